package ratelimit

import (
	"sync"
	"time"
)

// Clock tells the current time; tests pass a fake one.
type Clock interface{ Now() time.Time }

// Limiter is a token-bucket rate limiter.
type Limiter struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	clock  Clock
}

// NewLimiter returns a limiter that refills rate tokens per second up to burst tokens.
func NewLimiter(rate float64, burst int, clock Clock) *Limiter {
	return &Limiter{rate: rate, burst: float64(burst), tokens: float64(burst), last: clock.Now(), clock: clock}
}

// Allow reports whether one event may happen now.
func (l *Limiter) Allow() bool { return l.AllowN(1) }

// AllowN reports whether n events may happen now, taking n tokens if so.
func (l *Limiter) AllowN(n int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refill()
	if float64(n) > l.tokens+1e-9 {
		return false
	}
	l.tokens -= float64(n)
	if l.tokens < 0 {
		l.tokens = 0
	}
	return true
}

// Tokens returns the number of tokens available now.
func (l *Limiter) Tokens() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refill()
	return l.tokens
}

func (l *Limiter) refill() {
	now := l.clock.Now()
	if elapsed := now.Sub(l.last); elapsed > 0 {
		l.tokens += elapsed.Seconds() * l.rate
		if l.tokens > l.burst {
			l.tokens = l.burst
		}
	}
	l.last = now
}
