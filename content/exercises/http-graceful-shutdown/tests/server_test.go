package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

type slowHandler struct {
	started chan struct{}
	release chan struct{}
}

func (s slowHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/slow" {
		close(s.started)
		<-s.release
	}
	io.WriteString(w, "done")
}

func start(t *testing.T, h http.Handler, grace time.Duration) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- Run(ctx, l, h, grace) }()
	return "http://" + l.Addr().String(), cancel, result
}

func TestInFlightRequestCompletes(t *testing.T) {
	h := slowHandler{started: make(chan struct{}), release: make(chan struct{})}
	url, cancel, result := start(t, h, 5*time.Second)
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get(url + "/slow")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		got <- string(body)
	}()
	<-h.started
	cancel()
	select {
	case err := <-result:
		t.Fatalf("Run returned (%v) while a request was still in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(h.release)
	if body := <-got; body != "done" {
		t.Fatalf("in-flight request got %q, want \"done\"", body)
	}
	if err := <-result; err != nil {
		t.Fatalf("Run() = %v, want nil after a clean shutdown", err)
	}
}

func TestServesUntilCancelled(t *testing.T) {
	url, cancel, result := start(t, slowHandler{}, time.Second)
	resp, err := http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	if err := <-result; err != nil {
		t.Fatalf("Run() = %v, want nil (nothing was in flight)", err)
	}
}
