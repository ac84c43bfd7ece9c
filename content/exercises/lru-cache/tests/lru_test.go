package lru

import (
	"reflect"
	"testing"
)

func TestEvictsLeastRecentlyUsed(t *testing.T) {
	var evicted []string
	c := New[string, int](2, func(k string, _ int) { evicted = append(evicted, k) })
	c.Put("a", 1)
	c.Put("b", 2)
	c.Get("a")
	c.Put("c", 3)
	if _, ok := c.Get("b"); ok {
		t.Fatal("b was least recently used and should have been evicted")
	}
	if !reflect.DeepEqual(evicted, []string{"b"}) {
		t.Fatalf("onEvict saw %v, want [b]", evicted)
	}
	if got := c.Keys(); !reflect.DeepEqual(got, []string{"c", "a"}) {
		t.Fatalf("Keys() = %v, want [c a]", got)
	}
}

func TestUpdateKeepsLength(t *testing.T) {
	c := New[string, int](2, nil)
	c.Put("a", 1)
	c.Put("a", 2)
	if c.Len() != 1 {
		t.Fatalf("Len() = %d after updating one key, want 1", c.Len())
	}
	if v, _ := c.Get("a"); v != 2 {
		t.Fatalf("Get(a) = %d, want 2", v)
	}
}
