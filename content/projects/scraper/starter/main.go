// Конкурентный веб-скрапер — стартовый код.
// Условия всех стадий — в PROJECT.md рядом; проверка: `gocoach project test`.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	start := flag.String("url", "", "стартовая страница (обязательно)")
	depth := flag.Int("depth", 2, "на сколько ссылок уходить от стартовой страницы")
	concurrency := flag.Int("concurrency", 4, "сколько страниц качать одновременно")
	timeout := flag.Duration("timeout", 5*time.Second, "лимит времени на одну страницу")
	flag.Parse()
	if *start == "" {
		fmt.Fprintln(os.Stderr, "usage: scraper -url http://host/")
		os.Exit(2)
	}
	// TODO (стадия 1): скачать страницу и напечатать строку JSON о ней.
	_, _, _ = depth, concurrency, timeout
}
