package pipeline

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
)

func settledGoroutines(limit int) int {
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > limit && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	return runtime.NumGoroutine()
}

func TestCancelledStagesExitWithoutReaders(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	nums := make([]int, 100)
	a := Square(ctx, Generate(ctx, nums...))
	b := Square(ctx, Generate(ctx, nums...))
	out := Merge(ctx, a, b)
	<-out
	cancel()
	if n := settledGoroutines(before); n > before {
		t.Fatalf("%d goroutines still running after cancel with nobody reading", n-before)
	}
}

func TestSumSquaresHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := SumSquares(ctx, 3, make([]int, 10_000))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestSumSquaresUsesAllWorkers(t *testing.T) {
	got, err := SumSquares(context.Background(), 8, []int{3})
	if err != nil || got != 9 {
		t.Fatalf("SumSquares(8 workers, [3]) = %d, %v; want 9", got, err)
	}
}
