package singleflight

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestConcurrentCallersShareOneExecution(t *testing.T) {
	var g Group
	var calls atomic.Int32
	release := make(chan struct{})
	fn := func() (any, error) {
		calls.Add(1)
		<-release
		return "value", nil
	}
	var wg sync.WaitGroup
	results := make([]any, 10)
	shared := make([]bool, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i], _, shared[i] = g.Do("key", fn)
		}(i)
	}
	waitFor(t, "10 callers waiting on the key", func() bool { return g.Waiting("key") == 10 })
	close(release)
	wg.Wait()
	if c := calls.Load(); c != 1 {
		t.Fatalf("fn ran %d times for one key, want 1", c)
	}
	for i := range results {
		if results[i] != "value" || !shared[i] {
			t.Fatalf("caller %d got %v, shared=%v; want \"value\", true", i, results[i], shared[i])
		}
	}
}

func TestSequentialCallsRunAgain(t *testing.T) {
	var g Group
	n := 0
	for i := 0; i < 3; i++ {
		g.Do("k", func() (any, error) { n++; return n, nil })
	}
	if n != 3 {
		t.Fatalf("fn ran %d times for 3 sequential calls, want 3 (singleflight is not a cache)", n)
	}
}
