package workerpool

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestNeverMoreThanWorkersAtOnce(t *testing.T) {
	const workers = 3
	var inFlight, peak atomic.Int32
	fn := func(_ context.Context, n int) (int, error) {
		cur := inFlight.Add(1)
		for {
			old := peak.Load()
			if cur <= old || peak.CompareAndSwap(old, cur) {
				break
			}
		}
		runtime.Gosched()
		inFlight.Add(-1)
		return n, nil
	}
	jobs := make([]int, 500)
	if _, err := Run(context.Background(), workers, jobs, fn); err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p > workers {
		t.Fatalf("peak concurrency = %d, want <= %d", p, workers)
	}
}

func TestFirstErrorCancelsTheRest(t *testing.T) {
	boom := errors.New("boom")
	var started atomic.Int32
	fn := func(ctx context.Context, n int) (int, error) {
		started.Add(1)
		if n == 0 {
			return 0, boom
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(3 * time.Second):
			return n, nil
		}
	}
	jobs := make([]int, 50)
	for i := range jobs {
		jobs[i] = i
	}
	begin := time.Now()
	_, err := Run(context.Background(), 2, jobs, fn)
	if !errors.Is(err, boom) {
		t.Fatalf("error = %v, want boom", err)
	}
	if time.Since(begin) > 2*time.Second {
		t.Fatal("other workers were not cancelled after the first error")
	}
	if s := started.Load(); s > 10 {
		t.Fatalf("%d jobs started after the error; new jobs must stop", s)
	}
}

func TestParentCancellationStopsRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var calls atomic.Int32
	_, err := Run(ctx, 2, make([]int, 100), func(ctx context.Context, n int) (int, error) {
		calls.Add(1)
		return n, nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if c := calls.Load(); c > 2 {
		t.Fatalf("%d jobs ran with an already cancelled context", c)
	}
}

func TestNoGoroutinesLeftBehind(t *testing.T) {
	before := runtime.NumGoroutine()
	if _, err := Run(context.Background(), 8, make([]int, 64), square); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines still running after Run returned", n-before)
	}
}
