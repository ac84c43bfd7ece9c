package leaky

import "time"

// Clock tells the current time; tests pass a fake one.
type Clock interface{ Now() time.Time }

// LeakyBucket is a leaky bucket used as a meter.
type LeakyBucket struct {
	capacity int
	level    int
}

// NewLeakyBucket returns an empty bucket that leaks one drop per leakInterval.
func NewLeakyBucket(capacity int, leakInterval time.Duration, clock Clock) *LeakyBucket {
	return &LeakyBucket{capacity: capacity}
}

// Add puts one drop into the bucket if there is room.
func (b *LeakyBucket) Add() bool {
	// TODO: утечка со временем не учитывается.
	if b.level >= b.capacity {
		return false
	}
	b.level++
	return true
}

// Level returns the number of drops in the bucket now.
func (b *LeakyBucket) Level() int { return b.level }

// Wait returns how long until there is room for one more drop.
func (b *LeakyBucket) Wait() time.Duration { return 0 }
