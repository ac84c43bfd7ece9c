package pool

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestShutdownWaitsForAcceptedTasks(t *testing.T) {
	p := New(1, 4, 100)
	var done atomic.Int32
	for i := 0; i < 50; i++ {
		if err := p.Submit(func() { time.Sleep(time.Millisecond); done.Add(1) }); err != nil {
			t.Fatalf("Submit %d: %v", i, err)
		}
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := done.Load(); n != 50 {
		t.Fatalf("%d of 50 accepted tasks ran before Shutdown returned", n)
	}
	if err := p.Submit(func() {}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Submit after Shutdown = %v, want ErrClosed", err)
	}
}

func TestGrowsUnderLoad(t *testing.T) {
	p := New(1, 4, 10)
	release := make(chan struct{})
	var running atomic.Int32
	for i := 0; i < 4; i++ {
		p.Submit(func() { running.Add(1); <-release })
	}
	deadline := time.Now().Add(2 * time.Second)
	for running.Load() < 4 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	got := running.Load()
	close(release)
	p.Shutdown(context.Background())
	if got != 4 {
		t.Fatalf("%d tasks running at once with maxWorkers=4 and 4 blocked tasks, want 4", got)
	}
}
