package leaky

import (
	"sync"
	"time"
)

// Clock tells the current time; tests pass a fake one.
type Clock interface{ Now() time.Time }

// LeakyBucket is a leaky bucket used as a meter.
type LeakyBucket struct {
	mu       sync.Mutex
	capacity int
	interval time.Duration
	level    int
	lastLeak time.Time
	clock    Clock
}

// NewLeakyBucket returns an empty bucket that leaks one drop per leakInterval.
func NewLeakyBucket(capacity int, leakInterval time.Duration, clock Clock) *LeakyBucket {
	return &LeakyBucket{capacity: capacity, interval: leakInterval, clock: clock, lastLeak: clock.Now()}
}

// Add puts one drop into the bucket if there is room.
func (b *LeakyBucket) Add() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.leak()
	if b.level >= b.capacity {
		return false
	}
	if b.level == 0 {
		b.lastLeak = b.clock.Now()
	}
	b.level++
	return true
}

// Level returns the number of drops in the bucket now.
func (b *LeakyBucket) Level() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.leak()
	return b.level
}

// Wait returns how long until there is room for one more drop.
func (b *LeakyBucket) Wait() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.leak()
	if b.level < b.capacity {
		return 0
	}
	return b.interval - b.clock.Now().Sub(b.lastLeak)
}

func (b *LeakyBucket) leak() {
	now := b.clock.Now()
	if b.level == 0 {
		b.lastLeak = now
		return
	}
	drops := int(now.Sub(b.lastLeak) / b.interval)
	if drops <= 0 {
		return
	}
	if drops >= b.level {
		b.level = 0
		b.lastLeak = now
		return
	}
	b.level -= drops
	b.lastLeak = b.lastLeak.Add(time.Duration(drops) * b.interval)
}
