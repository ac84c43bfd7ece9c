package breaker

import (
	"errors"
	"sync"
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
type Breaker struct {
	mu        sync.Mutex
	threshold int
	cooldown  time.Duration
	clock     Clock
	state     State
	failures  int
	openedAt  time.Time
	probing   bool
}

// New returns a closed breaker.
func New(failureThreshold int, cooldown time.Duration, clock Clock) *Breaker {
	return &Breaker{threshold: failureThreshold, cooldown: cooldown, clock: clock}
}

// Execute calls fn unless the breaker is open.
func (b *Breaker) Execute(fn func() error) error {
	if !b.admit() {
		return ErrOpen
	}
	err := fn()
	b.record(err)
	return err
}

// State returns the current state.
func (b *Breaker) State() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance()
	return b.state
}

func (b *Breaker) admit() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance()
	switch b.state {
	case Closed:
		return true
	case HalfOpen:
		if b.probing {
			return false
		}
		b.probing = true
		return true
	default:
		return false
	}
}

func (b *Breaker) record(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == HalfOpen {
		b.probing = false
		if err != nil {
			b.trip()
		} else {
			b.state, b.failures = Closed, 0
		}
		return
	}
	if err == nil {
		b.failures = 0
		return
	}
	b.failures++
	if b.failures >= b.threshold {
		b.trip()
	}
}

func (b *Breaker) trip() {
	b.state, b.failures, b.openedAt = Open, 0, b.clock.Now()
}

func (b *Breaker) advance() {
	if b.state == Open && !b.clock.Now().Before(b.openedAt.Add(b.cooldown)) {
		b.state = HalfOpen
	}
}
