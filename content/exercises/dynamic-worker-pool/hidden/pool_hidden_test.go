package pool

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSubmitDoesNotBlockWhenFull(t *testing.T) {
	p := New(1, 1, 1)
	release := make(chan struct{})
	defer func() { close(release); p.Shutdown(context.Background()) }()
	started := make(chan struct{})
	p.Submit(func() { close(started); <-release })
	<-started
	if err := p.Submit(func() {}); err != nil {
		t.Fatalf("queue has room for one: %v", err)
	}
	errc := make(chan error, 1)
	go func() { errc <- p.Submit(func() {}) }()
	select {
	case err := <-errc:
		if !errors.Is(err, ErrQueueFull) {
			t.Fatalf("Submit to a full queue = %v, want ErrQueueFull", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Submit blocked on a full queue")
	}
}

func TestShutdownHonoursContext(t *testing.T) {
	p := New(1, 1, 1)
	release := make(chan struct{})
	started := make(chan struct{})
	p.Submit(func() { close(started); <-release })
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with a stuck task = %v, want context.DeadlineExceeded", err)
	}
	close(release)
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown = %v, want nil", err)
	}
	if n := p.Workers(); n != 0 {
		t.Fatalf("Workers() after Shutdown = %d, want 0", n)
	}
}

func TestNeverExceedsMaxWorkers(t *testing.T) {
	p := New(0, 3, 100)
	for i := 0; i < 100; i++ {
		p.Submit(func() { time.Sleep(100 * time.Microsecond) })
		if n := p.Workers(); n > 3 {
			t.Fatalf("Workers() = %d, want <= 3", n)
		}
	}
	p.Shutdown(context.Background())
}
