package pool

import (
	"context"
	"errors"
	"sync"
)

var (
	// ErrClosed is returned by Submit after Shutdown has started.
	ErrClosed = errors.New("pool: closed")
	// ErrQueueFull is returned by Submit when the queue has no room.
	ErrQueueFull = errors.New("pool: queue full")
)

// Pool runs tasks on a number of workers that grows with demand.
type Pool struct {
	mu      sync.Mutex
	tasks   chan func()
	max     int
	workers int
	idle    int
	// queued counts tasks accepted but not yet taken by a worker. It changes under mu, together
	// with idle, so a task in hand-over still counts as queued and its worker as idle;
	// len(tasks) drops the moment a worker receives, before idle does, and would undercount.
	queued int
	closed bool
	wg     sync.WaitGroup
	done   chan struct{}
	once   sync.Once
}

// New returns a running pool.
func New(minWorkers, maxWorkers, queueSize int) *Pool {
	p := &Pool{tasks: make(chan func(), queueSize), max: maxWorkers, done: make(chan struct{})}
	p.mu.Lock()
	for i := 0; i < minWorkers; i++ {
		p.spawnLocked()
	}
	p.mu.Unlock()
	return p
}

func (p *Pool) spawnLocked() {
	p.workers++
	p.idle++
	p.wg.Add(1)
	go p.work()
}

func (p *Pool) work() {
	defer p.wg.Done()
	for task := range p.tasks {
		p.mu.Lock()
		p.idle--
		p.queued--
		p.mu.Unlock()
		task()
		p.mu.Lock()
		p.idle++
		p.mu.Unlock()
	}
	p.mu.Lock()
	p.workers--
	p.idle--
	p.mu.Unlock()
}

// Submit queues task without blocking.
func (p *Pool) Submit(task func()) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	select {
	case p.tasks <- task:
	default:
		return ErrQueueFull
	}
	p.queued++
	if p.idle < p.queued && p.workers < p.max {
		p.spawnLocked()
	}
	return nil
}

// Workers returns the current number of workers.
func (p *Pool) Workers() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.workers
}

// Shutdown stops accepting tasks and waits for accepted ones to finish.
func (p *Pool) Shutdown(ctx context.Context) error {
	p.once.Do(func() {
		p.mu.Lock()
		p.closed = true
		close(p.tasks)
		p.mu.Unlock()
		go func() {
			p.wg.Wait()
			close(p.done)
		}()
	})
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
