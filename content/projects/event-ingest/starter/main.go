// Сервис приёма событий — стартовый код.
// Условия всех стадий — в PROJECT.md рядом; проверка: `gocoach project test`.
package main

import (
	"flag"
	"log/slog"
	"net/http"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", ":8080", "адрес HTTP-сервера")
	capacity := flag.Int("queue", 1000, "сколько событий может ждать записи (стадия 3)")
	batchSize := flag.Int("batch", 100, "событий в пачке (стадия 2)")
	flush := flag.Duration("flush", 200*time.Millisecond, "дольше этого неполная пачка не ждёт (стадия 2)")
	sinkDelay := flag.Duration("sink-delay", 0, "сколько длится запись одной пачки (стадия 3)")
	flag.Parse()

	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	mux := http.NewServeMux()
	// TODO (стадия 1): POST /events; принятые события — строками JSON в stdout.
	_, _, _, _ = capacity, batchSize, flush, sinkDelay

	logger.Info("listening", "addr", *addr)
	if err := http.ListenAndServe(*addr, mux); err != nil {
		logger.Error("server stopped", "err", err)
		os.Exit(1)
	}
}
