package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPermanentErrorIsNotRetried(t *testing.T) {
	calls := 0
	fatal := errors.New("bad request")
	err := Do(context.Background(), Policy{MaxAttempts: 5, BaseDelay: time.Second, MaxDelay: time.Minute},
		&recordingSleeper{}, one, func(context.Context) error { calls++; return Permanent(fatal) })
	if calls != 1 || !errors.Is(err, fatal) {
		t.Fatalf("calls = %d, err = %v; want one call and the permanent error", calls, err)
	}
}

type cancellingSleeper struct{ cancel context.CancelFunc }

func (c cancellingSleeper) Sleep(ctx context.Context, d time.Duration) error {
	c.cancel()
	return ctx.Err()
}

func TestCancellationDuringSleepStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := Do(ctx, Policy{MaxAttempts: 10, BaseDelay: time.Second, MaxDelay: time.Minute},
		cancellingSleeper{cancel}, one, func(context.Context) error { calls++; return errFlaky })
	if calls != 1 || !errors.Is(err, context.Canceled) {
		t.Fatalf("calls = %d, err = %v; want 1 call and context.Canceled", calls, err)
	}
}

func TestJitterUsesTheRandomSource(t *testing.T) {
	s := &recordingSleeper{}
	Do(context.Background(), Policy{MaxAttempts: 2, BaseDelay: time.Second, MaxDelay: time.Minute}, s,
		func() float64 { return 0 }, func(context.Context) error { return errFlaky })
	if len(s.delays) != 1 || s.delays[0] != 0 {
		t.Fatalf("delays = %v, want [0s] with random() = 0 (full jitter)", s.delays)
	}
}

func TestNoOverflowOnManyAttempts(t *testing.T) {
	s := &recordingSleeper{}
	p := Policy{MaxAttempts: 100, BaseDelay: time.Second, MaxDelay: time.Hour}
	Do(context.Background(), p, s, one, func(context.Context) error { return errFlaky })
	for i, d := range s.delays {
		if d < 0 || d > time.Hour {
			t.Fatalf("delay %d = %v: backoff overflowed or exceeded MaxDelay", i, d)
		}
	}
	if len(s.delays) != 99 {
		t.Fatalf("slept %d times, want 99", len(s.delays))
	}
}
