package errgroup

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWaitReturnsFirstError(t *testing.T) {
	g, _ := WithContext(context.Background())
	first := errors.New("first")
	second := make(chan struct{})
	g.Go(func() error { defer close(second); return first })
	g.Go(func() error { <-second; return errors.New("second") })
	if err := g.Wait(); !errors.Is(err, first) {
		t.Fatalf("Wait() = %v, want the first error", err)
	}
}

func TestErrorCancelsTheOthers(t *testing.T) {
	g, ctx := WithContext(context.Background())
	g.Go(func() error {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(2 * time.Second):
			return errors.New("context was not cancelled after a sibling failed")
		}
	})
	g.Go(func() error { return errors.New("boom") })
	if err := g.Wait(); err == nil || err.Error() != "boom" {
		t.Fatalf("Wait() = %v, want boom", err)
	}
}
