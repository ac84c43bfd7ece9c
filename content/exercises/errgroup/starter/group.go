package errgroup

import "context"

// Group runs functions in goroutines and collects the first error.
type Group struct {
	err error
}

// WithContext returns a group and a context cancelled by the first error.
func WithContext(ctx context.Context) (*Group, context.Context) {
	return &Group{}, ctx
}

// Go runs fn in a new goroutine.
func (g *Group) Go(fn func() error) {
	// TODO: сейчас всё выполняется последовательно и без отмены.
	if err := fn(); err != nil {
		g.err = err
	}
}

// SetLimit limits the number of active goroutines to n (negative: no limit).
func (g *Group) SetLimit(n int) {}

// Wait blocks until all functions return and returns the first error.
func (g *Group) Wait() error { return g.err }
