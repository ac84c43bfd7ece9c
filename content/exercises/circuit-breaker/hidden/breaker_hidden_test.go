package breaker

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestHalfOpenAfterCooldownAndClosesOnSuccess(t *testing.T) {
	clock := newFakeClock()
	b := New(1, 10*time.Second, clock)
	b.Execute(fail)
	clock.Advance(9 * time.Second)
	if s := b.State(); s != Open {
		t.Fatalf("State() before cooldown = %v, want Open", s)
	}
	clock.Advance(time.Second)
	if s := b.State(); s != HalfOpen {
		t.Fatalf("State() after cooldown = %v, want HalfOpen", s)
	}
	if err := b.Execute(ok); err != nil {
		t.Fatalf("trial call: %v", err)
	}
	if s := b.State(); s != Closed {
		t.Fatalf("State() after a successful trial = %v, want Closed", s)
	}
}

func TestFailedTrialReopensForAnotherCooldown(t *testing.T) {
	clock := newFakeClock()
	b := New(1, 10*time.Second, clock)
	b.Execute(fail)
	clock.Advance(10 * time.Second)
	b.Execute(fail)
	clock.Advance(5 * time.Second)
	if err := b.Execute(ok); !errors.Is(err, ErrOpen) {
		t.Fatalf("5s after a failed trial: err = %v, want ErrOpen", err)
	}
}

func TestOnlyOneTrialInHalfOpen(t *testing.T) {
	clock := newFakeClock()
	b := New(1, time.Second, clock)
	b.Execute(fail)
	clock.Advance(time.Second)
	release := make(chan struct{})
	var calls atomic.Int32
	var wg sync.WaitGroup
	var rejected atomic.Int32
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := b.Execute(func() error { calls.Add(1); <-release; return nil })
			if errors.Is(err, ErrOpen) {
				rejected.Add(1)
			}
		}()
	}
	for rejected.Load() < 9 && calls.Load() <= 1 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if c := calls.Load(); c != 1 {
		t.Fatalf("%d trial calls ran in HalfOpen, want exactly 1", c)
	}
}
