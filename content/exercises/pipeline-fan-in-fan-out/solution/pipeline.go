package pipeline

import (
	"context"
	"sync"
)

// Generate emits nums on the returned channel.
func Generate(ctx context.Context, nums ...int) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for _, n := range nums {
			select {
			case out <- n:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// Square emits the square of every value from in.
func Square(ctx context.Context, in <-chan int) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for {
			select {
			case n, ok := <-in:
				if !ok {
					return
				}
				select {
				case out <- n * n:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// Merge emits values from all inputs as they arrive.
func Merge(ctx context.Context, inputs ...<-chan int) <-chan int {
	out := make(chan int)
	var wg sync.WaitGroup
	for _, in := range inputs {
		wg.Add(1)
		go func(in <-chan int) {
			defer wg.Done()
			for {
				select {
				case n, ok := <-in:
					if !ok {
						return
					}
					select {
					case out <- n:
					case <-ctx.Done():
						return
					}
				case <-ctx.Done():
					return
				}
			}
		}(in)
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

// SumSquares squares nums with workers parallel stages and sums the results.
func SumSquares(ctx context.Context, workers int, nums []int) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	source := Generate(ctx, nums...)
	stages := make([]<-chan int, workers)
	for i := range stages {
		stages[i] = Square(ctx, source)
	}
	sum := 0
	for n := range Merge(ctx, stages...) {
		sum += n
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return sum, nil
}
