package scraper

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"io"
	"testing"
	"time"
)

func TestFetchesInParallelWithinTheLimit(t *testing.T) {
	graph := map[string][]string{"/": {}}
	for i := 0; i < 12; i++ {
		u := fmt.Sprintf("/p%d", i)
		graph["/"] = append(graph["/"], u)
		graph[u] = nil
	}
	gate := make(chan struct{})
	f := &fakeFetcher{graph: graph, gate: gate}
	go func() {
		deadline := time.Now().Add(3 * time.Second)
		for f.peak.Load() < 4 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		close(gate)
	}()
	done := make(chan []Page)
	go func() { done <- Crawl(context.Background(), f, "/", 1, 4) }()
	pages := <-done
	if p := f.peak.Load(); p > 4 {
		t.Fatalf("peak concurrent fetches = %d, want <= 4", p)
	}
	for _, p := range pages {
		if p.Err != nil {
			t.Fatalf("%s: %v", p.URL, p.Err)
		}
	}
}

type httpFetcher struct{ client *http.Client }

var hrefRe = regexp.MustCompile(`href="([^"]+)"`)

func (h httpFetcher) Fetch(ctx context.Context, url string) ([]string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var links []string
	for _, m := range hrefRe.FindAllStringSubmatch(string(body), -1) {
		links = append(links, m[1])
	}
	return links, nil
}

func TestCrawlsARealHTTPServer(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			fmt.Fprintf(w, `<a href="%s/a">a</a><a href="%s/b">b</a>`, srv.URL, srv.URL)
		case "/a":
			fmt.Fprintf(w, `<a href="%s/">home</a>`, srv.URL)
		default:
			fmt.Fprint(w, "leaf")
		}
	}))
	defer srv.Close()
	pages := Crawl(context.Background(), httpFetcher{srv.Client()}, srv.URL+"/", 3, 2)
	if len(pages) != 3 {
		t.Fatalf("crawled %d pages from the test server, want 3", len(pages))
	}
}
