package retry

import (
	"context"
	"time"
)

// Policy configures retries.
type Policy struct {
	MaxAttempts int
	BaseDelay   time.Duration
	MaxDelay    time.Duration
}

// Sleeper waits for d or until ctx is done.
type Sleeper interface {
	Sleep(ctx context.Context, d time.Duration) error
}

// Permanent marks err as not worth retrying.
func Permanent(err error) error { return err }

// Do calls fn until it succeeds, retrying with exponential backoff and full jitter.
func Do(ctx context.Context, p Policy, s Sleeper, random func() float64, fn func(ctx context.Context) error) error {
	// TODO: повторять попытки.
	return fn(ctx)
}
