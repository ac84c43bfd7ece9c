// Concurrent web scraper: a reference solution of every stage.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
)

var (
	linkRe  = regexp.MustCompile(`(?is)<a\s[^>]*?href\s*=\s*["']([^"']*)["']`)
	titleRe = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
)

type page struct {
	URL    string `json:"url"`
	Depth  int    `json:"depth"`
	Status int    `json:"status,omitempty"`
	Title  string `json:"title,omitempty"`
	Error  string `json:"error,omitempty"`
	links  []string
}

type crawler struct {
	client      *http.Client
	start       *url.URL
	concurrency int
	disallowed  []string
}

// fetchAll fetches one level with a fixed pool of workers; results keep the level's order.
func (c *crawler) fetchAll(urls []string, depth int) []page {
	results := make([]page, len(urls))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(c.concurrency, len(urls)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i] = c.fetch(urls[i], depth)
			}
		}()
	}
	for i := range urls {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return results
}

func (c *crawler) fetch(raw string, depth int) page {
	p := page{URL: raw, Depth: depth}
	resp, err := c.client.Get(raw)
	if err != nil {
		p.Error = err.Error()
		return p
	}
	defer resp.Body.Close()
	p.Status = resp.StatusCode
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		p.Error = err.Error()
		return p
	}
	if resp.StatusCode/100 != 2 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
		return p
	}
	if m := titleRe.FindSubmatch(body); m != nil {
		p.Title = strings.TrimSpace(string(m[1]))
	}
	base, _ := url.Parse(raw)
	for _, m := range linkRe.FindAllSubmatch(body, -1) {
		if link, ok := c.normalize(base, string(m[1])); ok {
			p.links = append(p.links, link)
		}
	}
	return p
}

// normalize resolves a link against its page; only this site's http(s) pages are kept.
func (c *crawler) normalize(base *url.URL, href string) (string, bool) {
	ref, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return "", false
	}
	u := base.ResolveReference(ref)
	u.Fragment = ""
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host != c.start.Host {
		return "", false
	}
	return u.String(), true
}

func (c *crawler) allowed(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	for _, prefix := range c.disallowed {
		if strings.HasPrefix(u.RequestURI(), prefix) {
			return false
		}
	}
	return true
}

// readRobots keeps the Disallow rules of the groups for every agent (User-agent: *).
func (c *crawler) readRobots() {
	resp, err := c.client.Get(c.start.Scheme + "://" + c.start.Host + "/robots.txt")
	if err != nil {
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return
	}
	forAll, inAgents := false, false
	scanner := bufio.NewScanner(io.LimitReader(resp.Body, 1<<16))
	for scanner.Scan() {
		line, _, _ := strings.Cut(scanner.Text(), "#")
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key, value = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(value)
		switch key {
		case "user-agent":
			if !inAgents {
				forAll = false
			}
			inAgents = true
			forAll = forAll || value == "*"
		case "disallow":
			inAgents = false
			if forAll && value != "" {
				c.disallowed = append(c.disallowed, value)
			}
		default:
			inAgents = false
		}
	}
}

func (c *crawler) crawl(maxDepth int, out *json.Encoder) {
	first := c.start.String()
	visited := map[string]bool{first: true}
	level := []string{first}
	for depth := 0; depth <= maxDepth && len(level) > 0; depth++ {
		var next []string
		for _, p := range c.fetchAll(level, depth) {
			out.Encode(p)
			if depth == maxDepth {
				continue
			}
			for _, link := range p.links {
				if visited[link] || !c.allowed(link) {
					continue
				}
				visited[link] = true
				next = append(next, link)
			}
		}
		level = next
	}
}

func main() {
	start := flag.String("url", "", "start page (required)")
	depth := flag.Int("depth", 2, "how many links away from the start page to go")
	concurrency := flag.Int("concurrency", 4, "pages fetched at once")
	timeout := flag.Duration("timeout", 5*time.Second, "time limit for one page")
	flag.Parse()
	u, err := url.Parse(*start)
	if *start == "" || err != nil || u.Host == "" || *concurrency < 1 || *depth < 0 {
		fmt.Fprintln(os.Stderr, "usage: scraper -url http://host/ [-depth N] [-concurrency N] [-timeout D]")
		os.Exit(2)
	}
	c := &crawler{client: &http.Client{Timeout: *timeout}, start: u, concurrency: *concurrency}
	c.readRobots()
	out := json.NewEncoder(os.Stdout)
	out.SetEscapeHTML(false)
	c.crawl(*depth, out)
}
