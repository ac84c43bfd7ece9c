package retry

import (
	"context"
	"errors"
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

type permanentError struct{ err error }

func (p *permanentError) Error() string { return p.err.Error() }
func (p *permanentError) Unwrap() error { return p.err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// Do calls fn until it succeeds, retrying with exponential backoff and full jitter.
func Do(ctx context.Context, p Policy, s Sleeper, random func() float64, fn func(ctx context.Context) error) error {
	var last error
	for attempt := 1; attempt <= p.MaxAttempts; attempt++ {
		if err := ctx.Err(); err != nil {
			return errors.Join(err, last)
		}
		last = fn(ctx)
		var perm *permanentError
		if last == nil || errors.As(last, &perm) {
			return last
		}
		if attempt == p.MaxAttempts {
			break
		}
		delay := time.Duration(random() * float64(backoff(p, attempt)))
		if err := s.Sleep(ctx, delay); err != nil {
			return errors.Join(err, last)
		}
	}
	return last
}

func backoff(p Policy, attempt int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < attempt; i++ {
		if d >= p.MaxDelay/2 {
			return p.MaxDelay
		}
		d *= 2
	}
	if d > p.MaxDelay {
		return p.MaxDelay
	}
	return d
}
