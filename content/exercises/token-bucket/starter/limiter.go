package ratelimit

import "time"

// Clock tells the current time; tests pass a fake one.
type Clock interface{ Now() time.Time }

// Limiter is a token-bucket rate limiter.
type Limiter struct {
	rate  float64
	burst int
	clock Clock
}

// NewLimiter returns a limiter that refills rate tokens per second up to burst tokens.
func NewLimiter(rate float64, burst int, clock Clock) *Limiter {
	return &Limiter{rate: rate, burst: burst, clock: clock}
}

// Allow reports whether one event may happen now.
func (l *Limiter) Allow() bool { return l.AllowN(1) }

// AllowN reports whether n events may happen now, taking n tokens if so.
func (l *Limiter) AllowN(n int) bool {
	// TODO: учесть токены и время.
	return true
}

// Tokens returns the number of tokens available now.
func (l *Limiter) Tokens() float64 { return float64(l.burst) }
