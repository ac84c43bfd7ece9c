package tasks

import (
	"context"
	"errors"
	"testing"
	"time"
)

func waitStatus(t *testing.T, p *Processor, id string, want Status) Info {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		info, ok := p.Status(id)
		if ok && info.Status == want {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s: status %q, want %q", id, info.Status, want)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestTaskReportsProgressWhileRunning(t *testing.T) {
	p := NewProcessor(1)
	defer p.Shutdown(context.Background())
	step := make(chan struct{})
	err := p.Submit("a", func(ctx context.Context, progress func(int)) error {
		progress(40)
		<-step
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		info, _ := p.Status("a")
		if info.Status == Running && info.Progress == 40 {
			break
		}
		if time.Now().After(deadline) {
			close(step)
			t.Fatalf("Status while running = %+v, want Running at 40%%", info)
		}
		time.Sleep(time.Millisecond)
	}
	close(step)
	if info := waitStatus(t, p, "a", Done); info.Progress != 100 {
		t.Fatalf("Done task progress = %d, want 100", info.Progress)
	}
}

func TestFailedAndDuplicate(t *testing.T) {
	p := NewProcessor(2)
	defer p.Shutdown(context.Background())
	boom := errors.New("boom")
	p.Submit("bad", func(context.Context, func(int)) error { return boom })
	if info := waitStatus(t, p, "bad", Failed); !errors.Is(info.Err, boom) {
		t.Fatalf("Err = %v, want boom", info.Err)
	}
	if err := p.Submit("bad", func(context.Context, func(int)) error { return nil }); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("Submit of a known id = %v, want ErrDuplicate", err)
	}
}
