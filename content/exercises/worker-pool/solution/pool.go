package workerpool

import (
	"context"
	"errors"
	"sync"
)

// ErrInvalidWorkers is returned when the pool size is not positive.
var ErrInvalidWorkers = errors.New("workerpool: workers must be positive")

// Run processes jobs with a fixed number of goroutines and returns results in input order.
func Run[T, R any](ctx context.Context, workers int, jobs []T, fn func(context.Context, T) (R, error)) ([]R, error) {
	if workers <= 0 {
		return nil, ErrInvalidWorkers
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	results := make([]R, len(jobs))
	indexes := make(chan int)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range indexes {
				r, err := fn(ctx, jobs[i])
				if err != nil {
					once.Do(func() { firstErr = err; cancel() })
					continue
				}
				results[i] = r
			}
		}()
	}
feed:
	for i := range jobs {
		if ctx.Err() != nil {
			break
		}
		select {
		case indexes <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(indexes)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
}
