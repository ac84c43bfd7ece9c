package ttlcache

import (
	"sync"
	"time"
)

// Clock tells the current time; tests pass a fake one.
type Clock interface{ Now() time.Time }

type entry[V any] struct {
	value   V
	expires time.Time
}

// Cache maps keys to values that expire after their TTL.
type Cache[K comparable, V any] struct {
	mu    sync.RWMutex
	items map[K]entry[V]
	clock Clock
}

// New returns an empty cache that reads time from clock.
func New[K comparable, V any](clock Clock) *Cache[K, V] {
	return &Cache[K, V]{items: map[K]entry[V]{}, clock: clock}
}

// Set stores value under key for ttl.
func (c *Cache[K, V]) Set(key K, value V, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ttl <= 0 {
		delete(c.items, key)
		return
	}
	c.items[key] = entry[V]{value: value, expires: c.clock.Now().Add(ttl)}
}

// Get returns the live value stored under key.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	now := c.clock.Now()
	c.mu.RLock()
	e, ok := c.items[key]
	c.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.value, true
}

// Len returns the number of live entries.
func (c *Cache[K, V]) Len() int {
	now := c.clock.Now()
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := 0
	for _, e := range c.items {
		if now.Before(e.expires) {
			n++
		}
	}
	return n
}

// DeleteExpired removes expired entries and returns how many were removed.
func (c *Cache[K, V]) DeleteExpired() int {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	removed := 0
	for k, e := range c.items {
		if !now.Before(e.expires) {
			delete(c.items, k)
			removed++
		}
	}
	return removed
}
