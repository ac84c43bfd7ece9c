package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// ErrForcedShutdown means in-flight requests did not finish within the grace period.
var ErrForcedShutdown = errors.New("server: in-flight requests were cut off")

// Run serves h on l until ctx is done, then shuts down gracefully within grace.
func Run(ctx context.Context, l net.Listener, h http.Handler, grace time.Duration) error {
	// TODO: при отмене просто закрываем листенер и не ждём активные запросы.
	go func() {
		<-ctx.Done()
		l.Close()
	}()
	http.Serve(l, h)
	return nil
}
