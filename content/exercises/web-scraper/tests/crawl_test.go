package scraper

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type fakeFetcher struct {
	graph    map[string][]string
	mu       sync.Mutex
	calls    map[string]int
	inFlight atomic.Int32
	peak     atomic.Int32
	gate     chan struct{} // if non-nil, every Fetch except "/" waits on it
}

func (f *fakeFetcher) Fetch(ctx context.Context, url string) ([]string, error) {
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		p := f.peak.Load()
		if n <= p || f.peak.CompareAndSwap(p, n) {
			break
		}
	}
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[url]++
	f.mu.Unlock()
	if f.gate != nil && url != "/" {
		select {
		case <-f.gate:
		case <-time.After(2 * time.Second):
			return nil, errors.New("pages were fetched one by one: the gate needs parallel fetches")
		}
	}
	links, ok := f.graph[url]
	if !ok {
		return nil, errors.New("404 " + url)
	}
	return links, nil
}

func TestVisitsEachURLOnce(t *testing.T) {
	f := &fakeFetcher{graph: map[string][]string{
		"/":  {"/a", "/b"},
		"/a": {"/", "/b", "/c"},
		"/b": {"/a", "/"},
		"/c": {"/"},
	}}
	pages := Crawl(context.Background(), f, "/", 5, 3)
	if len(pages) != 4 {
		t.Fatalf("crawled %d pages, want 4", len(pages))
	}
	for url, n := range f.calls {
		if n != 1 {
			t.Fatalf("%s fetched %d times, want once", url, n)
		}
	}
	if pages[0].URL != "/" || pages[3].URL != "/c" {
		t.Fatalf("pages not sorted by URL: %v", pages)
	}
}

func TestRespectsMaxDepthAndRecordsErrors(t *testing.T) {
	f := &fakeFetcher{graph: map[string][]string{"/": {"/missing", "/deep"}, "/deep": {"/deeper"}}}
	pages := Crawl(context.Background(), f, "/", 1, 2)
	if len(pages) != 3 {
		t.Fatalf("got %d pages, want 3 (depth 0 and 1 only)", len(pages))
	}
	for _, p := range pages {
		if p.URL == "/missing" && p.Err == nil {
			t.Fatal("the 404 page must carry its error")
		}
	}
}
