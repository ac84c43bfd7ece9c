package workerpool

import (
	"context"
	"errors"
)

// ErrInvalidWorkers is returned when the pool size is not positive.
var ErrInvalidWorkers = errors.New("workerpool: workers must be positive")

// Run processes jobs with a fixed number of goroutines and returns results in input order.
func Run[T, R any](ctx context.Context, workers int, jobs []T, fn func(context.Context, T) (R, error)) ([]R, error) {
	// TODO: запустить workers горутин; сейчас всё выполняется последовательно.
	results := make([]R, len(jobs))
	for i, job := range jobs {
		r, err := fn(ctx, job)
		if err != nil {
			return nil, err
		}
		results[i] = r
	}
	return results, nil
}
