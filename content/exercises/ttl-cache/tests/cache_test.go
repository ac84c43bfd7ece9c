package ttlcache

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

func TestValueLivesUntilItsTTL(t *testing.T) {
	clock := newFakeClock()
	c := New[string, int](clock)
	c.Set("a", 1, time.Minute)
	clock.Advance(59 * time.Second)
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatalf("Get before expiry = %v, %v; want 1, true", v, ok)
	}
	clock.Advance(time.Second)
	if _, ok := c.Get("a"); ok {
		t.Fatal("entry still returned at exactly Set+ttl; it must be expired")
	}
}

func TestSetReplacesValueAndTTL(t *testing.T) {
	clock := newFakeClock()
	c := New[string, string](clock)
	c.Set("k", "old", time.Second)
	c.Set("k", "new", time.Hour)
	clock.Advance(time.Minute)
	if v, ok := c.Get("k"); !ok || v != "new" {
		t.Fatalf("Get = %q, %v; want \"new\", true", v, ok)
	}
}
