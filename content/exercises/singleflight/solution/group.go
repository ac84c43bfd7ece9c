package singleflight

import (
	"fmt"
	"sync"
)

type call struct {
	done    chan struct{}
	val     any
	err     error
	waiters int
}

// Group deduplicates concurrent calls with the same key.
type Group struct {
	mu    sync.Mutex
	calls map[string]*call
}

// Do runs fn once per key at a time and shares the result with concurrent callers.
func (g *Group) Do(key string, fn func() (any, error)) (v any, err error, shared bool) {
	g.mu.Lock()
	if g.calls == nil {
		g.calls = map[string]*call{}
	}
	if c, ok := g.calls[key]; ok {
		c.waiters++
		g.mu.Unlock()
		<-c.done
		return c.val, c.err, true
	}
	c := &call{done: make(chan struct{}), waiters: 1}
	g.calls[key] = c
	g.mu.Unlock()

	defer func() {
		if r := recover(); r != nil {
			c.err = fmt.Errorf("singleflight: fn panicked: %v", r)
		}
		g.mu.Lock()
		if g.calls[key] == c {
			delete(g.calls, key)
		}
		shared = c.waiters > 1
		g.mu.Unlock()
		close(c.done)
		v, err = c.val, c.err
	}()
	c.val, c.err = fn()
	return c.val, c.err, false
}

// Waiting returns how many Do calls for key are waiting for a result.
func (g *Group) Waiting(key string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c, ok := g.calls[key]; ok {
		return c.waiters
	}
	return 0
}

// Forget makes the next Do for key start a new call.
func (g *Group) Forget(key string) {
	g.mu.Lock()
	delete(g.calls, key)
	g.mu.Unlock()
}
