package breaker

import (
	"errors"
	"time"
)

// Clock tells the current time; tests pass a fake one.
type Clock interface{ Now() time.Time }

// State of a breaker.
type State int

const (
	Closed State = iota
	Open
	HalfOpen
)

// ErrOpen is returned without calling fn while the breaker is open.
var ErrOpen = errors.New("breaker: circuit open")

// Breaker guards calls to an unreliable dependency.
type Breaker struct{}

// New returns a closed breaker.
func New(failureThreshold int, cooldown time.Duration, clock Clock) *Breaker {
	return &Breaker{}
}

// Execute calls fn unless the breaker is open.
func (b *Breaker) Execute(fn func() error) error {
	// TODO: считать ошибки и размыкаться.
	return fn()
}

// State returns the current state.
func (b *Breaker) State() State { return Closed }
