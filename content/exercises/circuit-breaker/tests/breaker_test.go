package breaker

import (
	"errors"
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

var errDown = errors.New("dependency down")

func fail() error { return errDown }
func ok() error   { return nil }

func TestOpensAfterConsecutiveFailures(t *testing.T) {
	b := New(3, time.Minute, newFakeClock())
	for i := 0; i < 3; i++ {
		if err := b.Execute(fail); !errors.Is(err, errDown) {
			t.Fatalf("call %d: error = %v, want the dependency's error", i+1, err)
		}
	}
	called := false
	err := b.Execute(func() error { called = true; return nil })
	if !errors.Is(err, ErrOpen) || called {
		t.Fatalf("after 3 failures: err = %v, fn called = %v; want ErrOpen without calling fn", err, called)
	}
}

func TestSuccessResetsTheFailureCount(t *testing.T) {
	b := New(2, time.Minute, newFakeClock())
	b.Execute(fail)
	b.Execute(ok)
	b.Execute(fail)
	if s := b.State(); s != Closed {
		t.Fatalf("failures were not consecutive, State() = %v, want Closed", s)
	}
}
