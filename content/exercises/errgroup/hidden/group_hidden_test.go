package errgroup

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestGoDoesNotBlockWithoutLimit(t *testing.T) {
	var g Group
	release := make(chan struct{})
	launched := make(chan struct{})
	go func() {
		for i := 0; i < 5; i++ {
			g.Go(func() error { <-release; return nil })
		}
		close(launched)
	}()
	select {
	case <-launched:
	case <-time.After(2 * time.Second):
		close(release)
		t.Fatal("Go blocked until the function finished; it must start a goroutine and return")
	}
	close(release)
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestLimitBoundsConcurrency(t *testing.T) {
	var g Group
	g.SetLimit(2)
	var active, peak atomic.Int32
	for i := 0; i < 20; i++ {
		g.Go(func() error {
			n := active.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			active.Add(-1)
			return nil
		})
	}
	g.Wait()
	if p := peak.Load(); p != 2 {
		t.Fatalf("peak concurrency = %d, want 2 with SetLimit(2)", p)
	}
}

func TestContextCancelledAfterWait(t *testing.T) {
	g, ctx := WithContext(context.Background())
	g.Go(func() error { return nil })
	g.Wait()
	if ctx.Err() == nil {
		t.Fatal("the group's context must be cancelled once Wait returns")
	}
}
