package singleflight

import (
	"sync"
	"testing"
)

func TestDifferentKeysRunInParallel(t *testing.T) {
	var g Group
	started := make(chan string, 2)
	release := make(chan struct{})
	var wg sync.WaitGroup
	for _, key := range []string{"a", "b"} {
		wg.Add(1)
		go func(key string) {
			defer wg.Done()
			g.Do(key, func() (any, error) { started <- key; <-release; return nil, nil })
		}(key)
	}
	<-started
	<-started
	close(release)
	wg.Wait()
}

func TestForgetStartsAFreshCall(t *testing.T) {
	var g Group
	release := make(chan struct{})
	done := make(chan struct{})
	go func() {
		g.Do("k", func() (any, error) { <-release; return "old", nil })
		close(done)
	}()
	waitFor(t, "the first call to start", func() bool { return g.Waiting("k") == 1 })
	g.Forget("k")
	v, _, _ := g.Do("k", func() (any, error) { return "new", nil })
	close(release)
	<-done
	if v != "new" {
		t.Fatalf("after Forget, Do returned %v, want a fresh \"new\"", v)
	}
}

func TestPanicDoesNotHangWaiters(t *testing.T) {
	var g Group
	release := make(chan struct{})
	errs := make(chan error, 2)
	go func() {
		defer func() { recover() }()
		_, err, _ := g.Do("k", func() (any, error) { <-release; panic("boom") })
		errs <- err
	}()
	waitFor(t, "the leader to start", func() bool { return g.Waiting("k") == 1 })
	go func() {
		_, err, _ := g.Do("k", func() (any, error) { return "unexpected", nil })
		errs <- err
	}()
	waitFor(t, "the follower to wait", func() bool { return g.Waiting("k") == 2 })
	close(release)
	if err := <-errs; err == nil {
		t.Fatal("a caller got a nil error although fn panicked")
	}
}
