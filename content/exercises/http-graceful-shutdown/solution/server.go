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
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
		<-served
		return ErrForcedShutdown
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
