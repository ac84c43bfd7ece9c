package pool

import (
	"context"
	"errors"
)

var (
	// ErrClosed is returned by Submit after Shutdown has started.
	ErrClosed = errors.New("pool: closed")
	// ErrQueueFull is returned by Submit when the queue has no room.
	ErrQueueFull = errors.New("pool: queue full")
)

// Pool runs tasks on a number of workers that grows with demand.
type Pool struct{}

// New returns a running pool.
func New(minWorkers, maxWorkers, queueSize int) *Pool { return &Pool{} }

// Submit queues task without blocking.
func (p *Pool) Submit(task func()) error {
	// TODO: горутина на задачу — без очереди, лимита воркеров и ожидания при остановке.
	go task()
	return nil
}

// Workers returns the current number of workers.
func (p *Pool) Workers() int { return 0 }

// Shutdown stops accepting tasks and waits for accepted ones to finish.
func (p *Pool) Shutdown(ctx context.Context) error { return nil }
