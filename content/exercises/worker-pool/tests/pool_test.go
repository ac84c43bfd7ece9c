package workerpool

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func square(_ context.Context, n int) (int, error) { return n * n, nil }

func TestResultsKeepInputOrder(t *testing.T) {
	jobs := make([]int, 100)
	for i := range jobs {
		jobs[i] = i
	}
	got, err := Run(context.Background(), 4, jobs, square)
	if err != nil {
		t.Fatalf("Run returned error: %v", err)
	}
	for i, v := range got {
		if v != i*i {
			t.Fatalf("results[%d] = %d, want %d", i, v, i*i)
		}
	}
}

func TestAllWorkersRunInParallel(t *testing.T) {
	const workers = 4
	var inFlight atomic.Int32
	release := make(chan struct{})
	var once atomic.Bool
	fn := func(ctx context.Context, n int) (int, error) {
		if inFlight.Add(1) == workers && once.CompareAndSwap(false, true) {
			close(release)
		}
		defer inFlight.Add(-1)
		select {
		case <-release:
			return n, nil
		case <-time.After(2 * time.Second):
			return 0, errors.New("only one job at a time: the pool never had all workers busy")
		}
	}
	if _, err := Run(context.Background(), workers, []int{1, 2, 3, 4, 5, 6, 7, 8}, fn); err != nil {
		t.Fatalf("expected %d jobs to run at the same time: %v", workers, err)
	}
}

func TestInvalidWorkerCount(t *testing.T) {
	_, err := Run(context.Background(), 0, []int{1}, square)
	if !errors.Is(err, ErrInvalidWorkers) {
		t.Fatalf("Run(workers=0) error = %v, want ErrInvalidWorkers", err)
	}
}
