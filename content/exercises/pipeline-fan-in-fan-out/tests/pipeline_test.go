package pipeline

import (
	"context"
	"sort"
	"testing"
	"time"
)

func TestSumSquares(t *testing.T) {
	nums := make([]int, 1000)
	want := 0
	for i := range nums {
		nums[i] = i
		want += i * i
	}
	got, err := SumSquares(context.Background(), 4, nums)
	if err != nil || got != want {
		t.Fatalf("SumSquares = %d, %v; want %d, nil", got, err, want)
	}
}

func TestMergeDeliversAllValues(t *testing.T) {
	ctx := context.Background()
	var got []int
	for n := range Merge(ctx, Generate(ctx, 1, 2, 3), Generate(ctx, 4, 5), Generate(ctx)) {
		got = append(got, n)
	}
	sort.Ints(got)
	if len(got) != 5 || got[0] != 1 || got[4] != 5 {
		t.Fatalf("Merge delivered %v, want 1..5", got)
	}
}

func TestMergeDoesNotWaitForTheFirstInput(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	silent := make(chan int)
	out := Merge(ctx, silent, Generate(ctx, 42))
	select {
	case n := <-out:
		if n != 42 {
			t.Fatalf("got %d, want 42", n)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Merge blocked on the first (silent) input instead of forwarding the second")
	}
}
