package leaky

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestIdleBucketDoesNotBankLeaks(t *testing.T) {
	clock := newFakeClock()
	b := NewLeakyBucket(2, time.Second, clock)
	clock.Advance(time.Hour)
	b.Add()
	b.Add()
	if b.Add() {
		t.Fatal("an hour of idleness must not let more than capacity drops in")
	}
}

func TestPartialIntervalsAreKept(t *testing.T) {
	clock := newFakeClock()
	b := NewLeakyBucket(2, time.Second, clock)
	b.Add()
	b.Add()
	for i := 0; i < 3; i++ {
		clock.Advance(500 * time.Millisecond)
		b.Level()
	}
	if got := b.Level(); got != 1 {
		t.Fatalf("after 1.5 s observed in halves, Level() = %d, want 1", got)
	}
	clock.Advance(500 * time.Millisecond)
	if got := b.Level(); got != 0 {
		t.Fatalf("after 2 s, Level() = %d, want 0", got)
	}
}

func TestWaitTellsWhenRoomFrees(t *testing.T) {
	clock := newFakeClock()
	b := NewLeakyBucket(1, time.Second, clock)
	if w := b.Wait(); w != 0 {
		t.Fatalf("Wait() on an empty bucket = %v, want 0", w)
	}
	b.Add()
	clock.Advance(300 * time.Millisecond)
	if w := b.Wait(); w != 700*time.Millisecond {
		t.Fatalf("Wait() = %v, want 700ms", w)
	}
}

func TestConcurrentAddsRespectCapacity(t *testing.T) {
	b := NewLeakyBucket(10, time.Second, newFakeClock())
	var ok atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if b.Add() {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 10 {
		t.Fatalf("%d concurrent drops accepted, want 10", ok.Load())
	}
}
