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

type task struct {
	id     string
	fn     TaskFunc
	info   Info
	cancel context.CancelFunc
}

// Processor runs submitted tasks on a pool of workers.
type Processor struct {
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []*task
	tasks   map[string]*task
	closed  bool
	wg      sync.WaitGroup
	stopped chan struct{}
}

// NewProcessor starts a processor with the given number of workers.
func NewProcessor(workers int) *Processor {
	p := &Processor{tasks: map[string]*task{}, stopped: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	for i := 0; i < workers; i++ {
		p.wg.Add(1)
		go p.work()
	}
	go func() { p.wg.Wait(); close(p.stopped) }()
	return p
}

func (p *Processor) work() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		for len(p.queue) == 0 && !p.closed {
			p.cond.Wait()
		}
		if len(p.queue) == 0 {
			p.mu.Unlock()
			return
		}
		t := p.queue[0]
		p.queue = p.queue[1:]
		ctx, cancel := context.WithCancel(context.Background())
		t.cancel = cancel
		t.info.Status = Running
		p.mu.Unlock()
		err := t.fn(ctx, func(pct int) { p.report(t, pct) })
		p.finish(t, ctx, err)
		cancel()
	}
}

func (p *Processor) report(t *task, pct int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pct > t.info.Progress && pct <= 100 && t.info.Status == Running {
		t.info.Progress = pct
	}
}

func (p *Processor) finish(t *task, ctx context.Context, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case err == nil:
		t.info = Info{Status: Done, Progress: 100}
	case ctx.Err() != nil:
		t.info.Status, t.info.Err = Canceled, err
	default:
		t.info.Status, t.info.Err = Failed, err
	}
}

// Submit queues a task under id.
func (p *Processor) Submit(id string, fn TaskFunc) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if _, ok := p.tasks[id]; ok {
		return ErrDuplicate
	}
	t := &task{id: id, fn: fn, info: Info{Status: Pending}}
	p.tasks[id] = t
	p.queue = append(p.queue, t)
	p.cond.Signal()
	return nil
}

// Status returns what is known about the task.
func (p *Processor) Status(id string) (Info, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.tasks[id]
	if !ok {
		return Info{}, false
	}
	return t.info, true
}

// Cancel cancels a pending or running task.
func (p *Processor) Cancel(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.tasks[id]
	if !ok {
		return false
	}
	switch t.info.Status {
	case Pending:
		p.removeLocked(t)
		t.info.Status = Canceled
		return true
	case Running:
		t.cancel()
		return true
	}
	return false
}

func (p *Processor) removeLocked(t *task) {
	for i, q := range p.queue {
		if q == t {
			p.queue = append(p.queue[:i], p.queue[i+1:]...)
			return
		}
	}
}

// Shutdown stops accepting tasks and waits for running ones.
func (p *Processor) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		for _, t := range p.queue {
			t.info.Status = Canceled
		}
		p.queue = nil
		p.cond.Broadcast()
	}
	p.mu.Unlock()
	select {
	case <-p.stopped:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
