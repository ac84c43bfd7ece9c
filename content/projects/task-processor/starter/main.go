// Concurrent Task Processor — стартовый код.
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
	workers := flag.Int("workers", 4, "число воркеров")
	flag.Parse()

	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	mux := http.NewServeMux()
	// TODO (стадия 1): POST /tasks и GET /tasks/{id}.

	logger.Info("listening", "addr", *addr, "workers", *workers)
	if err := http.ListenAndServe(*addr, mux); err != nil {
		logger.Error("server stopped", "err", err)
		os.Exit(1)
	}
}
