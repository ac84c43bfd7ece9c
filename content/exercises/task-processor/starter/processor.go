package tasks

import (
	"context"
	"errors"
	"sync"
)

// Status of a task.
type Status string

const (
	Pending  Status = "pending"
	Running  Status = "running"
	Done     Status = "done"
	Failed   Status = "failed"
	Canceled Status = "canceled"
)

var (
	ErrDuplicate = errors.New("tasks: duplicate id")
	ErrClosed    = errors.New("tasks: processor closed")
)

// Info describes a task.
type Info struct {
	Status   Status
	Progress int
	Err      error
}

// TaskFunc is the work; it reports progress in percent.
type TaskFunc func(ctx context.Context, progress func(percent int)) error

// Processor runs submitted tasks on a pool of workers.
type Processor struct {
	mu    sync.Mutex
	infos map[string]Info
}

// NewProcessor starts a processor with the given number of workers.
func NewProcessor(workers int) *Processor { return &Processor{infos: map[string]Info{}} }

// Submit queues a task under id.
func (p *Processor) Submit(id string, fn TaskFunc) error {
	// TODO: горутина на задачу — ни очереди, ни лимита воркеров, ни отмены, ни прогресса.
	p.set(id, Info{Status: Running})
	go func() {
		if err := fn(context.Background(), func(int) {}); err != nil {
			p.set(id, Info{Status: Failed, Err: err})
			return
		}
		p.set(id, Info{Status: Done, Progress: 100})
	}()
	return nil
}

func (p *Processor) set(id string, info Info) {
	p.mu.Lock()
	p.infos[id] = info
	p.mu.Unlock()
}

// Status returns what is known about the task.
func (p *Processor) Status(id string) (Info, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	info, ok := p.infos[id]
	return info, ok
}

// Cancel cancels a pending or running task.
func (p *Processor) Cancel(id string) bool { return false }

// Shutdown stops accepting tasks and waits for running ones.
func (p *Processor) Shutdown(ctx context.Context) error { return nil }
