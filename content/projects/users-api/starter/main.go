// REST API пользователей — стартовый код.
// Условия всех стадий — в PROJECT.md рядом; проверка: `gocoach project test`.
package main

import (
	"flag"
	"log/slog"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", ":8080", "адрес HTTP-сервера")
	flag.Parse()

	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	mux := http.NewServeMux()
	// TODO (стадия 1): POST /users, GET/PUT/DELETE /users/{id}.

	logger.Info("listening", "addr", *addr)
	if err := http.ListenAndServe(*addr, mux); err != nil {
		logger.Error("server stopped", "err", err)
		os.Exit(1)
	}
}
