package scraper

import (
	"context"
	"sort"
	"sync"
)

// Fetcher returns the links found on a page.
type Fetcher interface {
	Fetch(ctx context.Context, url string) (links []string, err error)
}

// Page is one crawled page.
type Page struct {
	URL   string
	Depth int
	Links []string
	Err   error
}

// Crawl visits pages reachable from start up to maxDepth with bounded concurrency.
func Crawl(ctx context.Context, f Fetcher, start string, maxDepth, concurrency int) []Page {
	if concurrency < 1 {
		concurrency = 1
	}
	var (
		mu    sync.Mutex
		seen  = map[string]bool{start: true}
		pages []Page
		wg    sync.WaitGroup
		sem   = make(chan struct{}, concurrency)
	)
	var visit func(url string, depth int)
	visit = func(url string, depth int) {
		defer wg.Done()
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		links, err := f.Fetch(ctx, url)
		<-sem
		mu.Lock()
		pages = append(pages, Page{URL: url, Depth: depth, Links: links, Err: err})
		var next []string
		if depth < maxDepth {
			for _, l := range links {
				if !seen[l] {
					seen[l] = true
					next = append(next, l)
				}
			}
		}
		mu.Unlock()
		for _, l := range next {
			wg.Add(1)
			go visit(l, depth+1)
		}
	}
	wg.Add(1)
	go visit(start, 0)
	wg.Wait()
	sort.Slice(pages, func(i, j int) bool { return pages[i].URL < pages[j].URL })
	return pages
}
