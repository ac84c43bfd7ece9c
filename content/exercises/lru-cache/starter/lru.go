package lru

// Cache is a fixed-size least-recently-used cache.
type Cache[K comparable, V any] struct {
	items map[K]V
}

// New returns an empty cache holding at most capacity entries.
func New[K comparable, V any](capacity int, onEvict func(K, V)) *Cache[K, V] {
	return &Cache[K, V]{items: map[K]V{}}
}

// Get returns the value for key and marks it most recently used.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	v, ok := c.items[key]
	return v, ok
}

// Put stores value under key, evicting the least recently used entry when full.
func (c *Cache[K, V]) Put(key K, value V) {
	// TODO: вытеснение не реализовано.
	c.items[key] = value
}

// Len returns the number of entries.
func (c *Cache[K, V]) Len() int { return len(c.items) }

// Keys returns keys from most to least recently used.
func (c *Cache[K, V]) Keys() []K {
	keys := make([]K, 0, len(c.items))
	for k := range c.items {
		keys = append(keys, k)
	}
	return keys
}
