package leaky

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

func TestRejectsWhenFull(t *testing.T) {
	b := NewLeakyBucket(2, time.Second, newFakeClock())
	if !b.Add() || !b.Add() {
		t.Fatal("an empty bucket of capacity 2 must accept two drops")
	}
	if b.Add() {
		t.Fatal("third drop accepted by a full bucket")
	}
}

func TestLeaksOneDropPerInterval(t *testing.T) {
	clock := newFakeClock()
	b := NewLeakyBucket(3, time.Second, clock)
	b.Add()
	b.Add()
	b.Add()
	clock.Advance(999 * time.Millisecond)
	if got := b.Level(); got != 3 {
		t.Fatalf("Level() just before the first leak = %d, want 3", got)
	}
	clock.Advance(time.Millisecond)
	if got := b.Level(); got != 2 {
		t.Fatalf("Level() after one interval = %d, want 2", got)
	}
	clock.Advance(5 * time.Second)
	if got := b.Level(); got != 0 {
		t.Fatalf("Level() long after = %d, want 0", got)
	}
}
