package pipeline

import "context"

// Generate emits nums on the returned channel.
func Generate(ctx context.Context, nums ...int) <-chan int {
	out := make(chan int, len(nums))
	for _, n := range nums {
		out <- n
	}
	close(out)
	return out
}

// Square emits the square of every value from in.
func Square(ctx context.Context, in <-chan int) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for n := range in {
			out <- n * n
		}
	}()
	return out
}

// Merge emits values from all inputs as they arrive.
func Merge(ctx context.Context, inputs ...<-chan int) <-chan int {
	// TODO: читает входы по очереди и не реагирует на отмену.
	out := make(chan int)
	go func() {
		defer close(out)
		for _, in := range inputs {
			for n := range in {
				out <- n
			}
		}
	}()
	return out
}

// SumSquares squares nums with workers parallel stages and sums the results.
func SumSquares(ctx context.Context, workers int, nums []int) (int, error) {
	sum := 0
	for n := range Square(ctx, Generate(ctx, nums...)) {
		sum += n
	}
	return sum, nil
}
