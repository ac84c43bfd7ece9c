package ratelimit

import (
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestBucketNeverExceedsBurst(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(100, 5, clock)
	clock.Advance(time.Hour)
	if got := l.Tokens(); math.Abs(got-5) > 1e-9 {
		t.Fatalf("Tokens() after an hour idle = %v, want 5 (the burst)", got)
	}
}

func TestAllowNIsAllOrNothing(t *testing.T) {
	l := NewLimiter(1, 5, newFakeClock())
	if l.AllowN(6) {
		t.Fatal("AllowN(6) allowed with only 5 tokens")
	}
	if got := l.Tokens(); math.Abs(got-5) > 1e-9 {
		t.Fatalf("a rejected AllowN took tokens: %v left, want 5", got)
	}
	if !l.AllowN(5) {
		t.Fatal("AllowN(5) rejected with 5 tokens")
	}
}

func TestFractionalRefillAccumulates(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(4, 1, clock)
	l.Allow()
	for _, step := range []time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 50 * time.Millisecond} {
		clock.Advance(step)
		l.Tokens() // observing the bucket must not lose fractional tokens
	}
	if !l.Allow() {
		t.Fatal("0.4 + 0.4 + 0.2 tokens at 4 tokens/s should add up to one token")
	}
}

func TestConcurrentCallersShareTheBurst(t *testing.T) {
	l := NewLimiter(1, 50, newFakeClock())
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if l.Allow() {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	if got := allowed.Load(); got != 50 {
		t.Fatalf("%d of 200 concurrent requests allowed, want exactly 50", got)
	}
}
