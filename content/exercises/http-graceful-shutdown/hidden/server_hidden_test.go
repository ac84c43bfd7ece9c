package server

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestGraceExpiresWithForcedShutdown(t *testing.T) {
	h := slowHandler{started: make(chan struct{}), release: make(chan struct{})}
	defer close(h.release)
	url, cancel, result := start(t, h, 200*time.Millisecond)
	go func() {
		if resp, err := http.Get(url + "/slow"); err == nil {
			resp.Body.Close()
		}
	}()
	<-h.started
	began := time.Now()
	cancel()
	select {
	case err := <-result:
		if !errors.Is(err, ErrForcedShutdown) {
			t.Fatalf("Run() = %v, want ErrForcedShutdown", err)
		}
		if time.Since(began) < 150*time.Millisecond {
			t.Fatal("Run gave up before the grace period")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Run kept waiting long after the grace period")
	}
}

func TestNewConnectionsRefusedAfterShutdown(t *testing.T) {
	url, cancel, result := start(t, slowHandler{}, time.Second)
	cancel()
	<-result
	client := &http.Client{Timeout: time.Second}
	if resp, err := client.Get(url + "/"); err == nil {
		resp.Body.Close()
		t.Fatal("server still accepted a request after Run returned")
	}
}
