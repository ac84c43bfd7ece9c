package ttlcache

import "time"

// Clock tells the current time; tests pass a fake one.
type Clock interface{ Now() time.Time }

// Cache maps keys to values that expire after their TTL.
type Cache[K comparable, V any] struct {
	items map[K]V
}

// New returns an empty cache that reads time from clock.
func New[K comparable, V any](clock Clock) *Cache[K, V] {
	return &Cache[K, V]{items: map[K]V{}}
}

// Set stores value under key for ttl.
func (c *Cache[K, V]) Set(key K, value V, ttl time.Duration) {
	// TODO: срок жизни не учитывается.
	c.items[key] = value
}

// Get returns the live value stored under key.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	v, ok := c.items[key]
	return v, ok
}

// Len returns the number of live entries.
func (c *Cache[K, V]) Len() int { return len(c.items) }

// DeleteExpired removes expired entries and returns how many were removed.
func (c *Cache[K, V]) DeleteExpired() int { return 0 }
