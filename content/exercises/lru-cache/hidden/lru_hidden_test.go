package lru

import (
	"reflect"
	"sync"
	"testing"
)

func TestPutRefreshesRecency(t *testing.T) {
	c := New[int, int](3, nil)
	c.Put(1, 1)
	c.Put(2, 2)
	c.Put(3, 3)
	c.Put(1, 10)
	c.Put(4, 4)
	if got := c.Keys(); !reflect.DeepEqual(got, []int{4, 1, 3}) {
		t.Fatalf("Keys() = %v, want [4 1 3]", got)
	}
}

func TestNeverExceedsCapacity(t *testing.T) {
	c := New[int, int](100, nil)
	for i := 0; i < 10_000; i++ {
		c.Put(i, i)
	}
	if c.Len() != 100 {
		t.Fatalf("Len() = %d, want 100", c.Len())
	}
	if _, ok := c.Get(9_999); !ok {
		t.Fatal("the newest entry is missing")
	}
}

func TestZeroCapacityPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("New(0, nil) did not panic")
		}
	}()
	New[int, int](0, nil)
}

func TestConcurrentAccess(t *testing.T) {
	c := New[int, int](16, func(int, int) {})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				c.Put(i%32, g)
				c.Get(i % 7)
				c.Keys()
			}
		}(g)
	}
	wg.Wait()
	if c.Len() > 16 {
		t.Fatalf("Len() = %d after concurrent use, want <= 16", c.Len())
	}
}
