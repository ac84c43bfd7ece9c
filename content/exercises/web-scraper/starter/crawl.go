package scraper

import (
	"context"
	"sort"
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
	// TODO: последовательно, без защиты от повторов.
	var pages []Page
	var visit func(url string, depth int)
	visit = func(url string, depth int) {
		if depth > maxDepth {
			return
		}
		links, err := f.Fetch(ctx, url)
		pages = append(pages, Page{URL: url, Depth: depth, Links: links, Err: err})
		for _, l := range links {
			visit(l, depth+1)
		}
	}
	visit(start, 0)
	sort.Slice(pages, func(i, j int) bool { return pages[i].URL < pages[j].URL })
	return pages
}
