package ratelimit

import (
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

func TestStartsWithAFullBucket(t *testing.T) {
	l := NewLimiter(1, 3, newFakeClock())
	for i := 0; i < 3; i++ {
		if !l.Allow() {
			t.Fatalf("request %d of the initial burst was rejected", i+1)
		}
	}
	if l.Allow() {
		t.Fatal("4th request allowed although burst is 3 and no time passed")
	}
}

func TestRefillsOverTime(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(10, 1, clock)
	if !l.Allow() {
		t.Fatal("first request rejected")
	}
	clock.Advance(50 * time.Millisecond)
	if l.Allow() {
		t.Fatal("allowed after 50ms at 10 tokens/s: only half a token has accumulated")
	}
	clock.Advance(50 * time.Millisecond)
	if !l.Allow() {
		t.Fatal("rejected after 100ms at 10 tokens/s: one token should be available")
	}
}
