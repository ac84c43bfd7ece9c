package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

type recordingSleeper struct{ delays []time.Duration }

func (r *recordingSleeper) Sleep(ctx context.Context, d time.Duration) error {
	r.delays = append(r.delays, d)
	return ctx.Err()
}

func one() float64 { return 0.999999 }

var errFlaky = errors.New("flaky")

func TestRetriesUntilSuccess(t *testing.T) {
	calls := 0
	s := &recordingSleeper{}
	err := Do(context.Background(), Policy{MaxAttempts: 5, BaseDelay: time.Second, MaxDelay: time.Minute}, s, one,
		func(context.Context) error {
			calls++
			if calls < 3 {
				return errFlaky
			}
			return nil
		})
	if err != nil || calls != 3 {
		t.Fatalf("err = %v after %d calls; want nil after 3 calls", err, calls)
	}
	if len(s.delays) != 2 {
		t.Fatalf("slept %d times, want 2 (between attempts only)", len(s.delays))
	}
}

func TestExponentialDelaysWithCap(t *testing.T) {
	s := &recordingSleeper{}
	p := Policy{MaxAttempts: 6, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	err := Do(context.Background(), p, s, func() float64 { return 0.5 }, func(context.Context) error { return errFlaky })
	if !errors.Is(err, errFlaky) {
		t.Fatalf("err = %v, want the last error", err)
	}
	want := []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 500 * time.Millisecond}
	if len(s.delays) != len(want) {
		t.Fatalf("delays = %v, want %v", s.delays, want)
	}
	for i := range want {
		if s.delays[i] != want[i] {
			t.Fatalf("delays = %v, want %v (random()=0.5 times min(max, base*2^k))", s.delays, want)
		}
	}
}
