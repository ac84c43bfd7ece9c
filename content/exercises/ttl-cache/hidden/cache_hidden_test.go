package ttlcache

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestLenCountsOnlyLiveEntries(t *testing.T) {
	clock := newFakeClock()
	c := New[int, int](clock)
	c.Set(1, 1, time.Second)
	c.Set(2, 2, time.Minute)
	clock.Advance(2 * time.Second)
	if n := c.Len(); n != 1 {
		t.Fatalf("Len() = %d, want 1 live entry", n)
	}
}

func TestDeleteExpiredReportsRemovals(t *testing.T) {
	clock := newFakeClock()
	c := New[int, int](clock)
	for i := 0; i < 10; i++ {
		c.Set(i, i, time.Duration(i+1)*time.Second)
	}
	clock.Advance(5 * time.Second)
	if n := c.DeleteExpired(); n != 5 {
		t.Fatalf("DeleteExpired() = %d, want 5", n)
	}
	if n := c.DeleteExpired(); n != 0 {
		t.Fatalf("second DeleteExpired() = %d, want 0", n)
	}
}

func TestNonPositiveTTLStoresNothing(t *testing.T) {
	c := New[string, int](newFakeClock())
	c.Set("zero", 1, 0)
	c.Set("neg", 1, -time.Second)
	if c.Len() != 0 {
		t.Fatal("entries with ttl <= 0 must not be stored")
	}
}

func TestConcurrentUse(t *testing.T) {
	clock := newFakeClock()
	c := New[string, int](clock)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				key := fmt.Sprint(i % 17)
				c.Set(key, i, time.Second)
				c.Get(key)
				if i%50 == 0 {
					c.DeleteExpired()
					c.Len()
				}
			}
		}(g)
	}
	wg.Wait()
}
