package tasks

import (
	"context"
	"errors"
	"testing"
)

func blocker(started chan<- string, release <-chan struct{}) TaskFunc {
	return func(ctx context.Context, progress func(int)) error {
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func TestCancelPendingAndRunning(t *testing.T) {
	p := NewProcessor(1)
	defer p.Shutdown(context.Background())
	release := make(chan struct{})
	defer close(release)
	p.Submit("running", blocker(nil, release))
	waitStatus(t, p, "running", Running)
	ran := false
	p.Submit("pending", func(context.Context, func(int)) error { ran = true; return nil })
	if !p.Cancel("pending") {
		t.Fatal("Cancel(pending) = false")
	}
	if !p.Cancel("running") {
		t.Fatal("Cancel(running) = false")
	}
	waitStatus(t, p, "running", Canceled)
	waitStatus(t, p, "pending", Canceled)
	if ran {
		t.Fatal("a cancelled pending task still ran")
	}
	if p.Cancel("missing") {
		t.Fatal("Cancel of an unknown id = true")
	}
}

func TestFIFOOrderWithOneWorker(t *testing.T) {
	p := NewProcessor(1)
	order := make(chan string, 5)
	for _, id := range []string{"1", "2", "3", "4", "5"} {
		id := id
		p.Submit(id, func(context.Context, func(int)) error { order <- id; return nil })
	}
	waitStatus(t, p, "5", Done)
	p.Shutdown(context.Background())
	close(order)
	got := ""
	for id := range order {
		got += id
	}
	if got != "12345" {
		t.Fatalf("ran in order %s, want 12345", got)
	}
}

func TestShutdownCancelsPendingAndRejectsNew(t *testing.T) {
	p := NewProcessor(1)
	release := make(chan struct{})
	p.Submit("running", blocker(nil, release))
	waitStatus(t, p, "running", Running)
	p.Submit("pending", func(context.Context, func(int)) error { return nil })
	done := make(chan error, 1)
	go func() { done <- p.Shutdown(context.Background()) }()
	waitStatus(t, p, "pending", Canceled)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	waitStatus(t, p, "running", Done)
	if err := p.Submit("late", func(context.Context, func(int)) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Submit after Shutdown = %v, want ErrClosed", err)
	}
}

func TestProgressNeverGoesBack(t *testing.T) {
	p := NewProcessor(1)
	defer p.Shutdown(context.Background())
	release := make(chan struct{})
	p.Submit("p", func(ctx context.Context, progress func(int)) error {
		progress(70)
		progress(30)
		<-release
		return nil
	})
	waitStatus(t, p, "p", Running)
	for i := 0; i < 1000; i++ {
		if info, _ := p.Status("p"); info.Progress == 70 {
			close(release)
			return
		}
	}
	info, _ := p.Status("p")
	close(release)
	if info.Progress != 70 {
		t.Fatalf("progress = %d after reports 70 then 30, want 70", info.Progress)
	}
}
