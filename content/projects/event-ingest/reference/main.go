// Event ingestion service (reduced): a reference solution of every stage.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

const maxEvents = 1000

type event struct {
	ID   *string         `json:"id"`
	Type *string         `json:"type"`
	TS   json.RawMessage `json:"ts"`
}

// ingester: handlers reserve room for a whole request, a batcher writes batches to the sink.
type ingester struct {
	mu                                   sync.Mutex
	capacity, pending                    int
	received, rejected, written, batches int
	events                               chan string
	batchSize                            int
	flush, sinkDelay                     time.Duration
	sink                                 *json.Encoder
	seq                                  int
	done                                 chan struct{}
}

func newIngester(capacity, batchSize int, flush, sinkDelay time.Duration) *ingester {
	in := &ingester{capacity: capacity, events: make(chan string, capacity), batchSize: batchSize,
		flush: flush, sinkDelay: sinkDelay, sink: json.NewEncoder(os.Stdout), done: make(chan struct{})}
	go in.run()
	return in
}

// accept takes all the ids or none: there must be room in the queue for every one.
func (in *ingester) accept(ids []string) bool {
	in.mu.Lock()
	if in.pending+len(ids) > in.capacity {
		in.rejected += len(ids)
		in.mu.Unlock()
		return false
	}
	in.pending += len(ids)
	in.received += len(ids)
	in.mu.Unlock()
	for _, id := range ids {
		in.events <- id // never blocks: pending <= capacity = cap(events)
	}
	return true
}

func (in *ingester) run() {
	defer close(in.done)
	ticker := time.NewTicker(in.flush)
	defer ticker.Stop()
	batch := make([]string, 0, in.batchSize)
	for {
		select {
		case id, ok := <-in.events:
			if !ok {
				in.write(batch)
				return
			}
			batch = append(batch, id)
			if len(batch) == in.batchSize {
				in.write(batch)
				batch = batch[:0]
			}
		case <-ticker.C:
			in.write(batch)
			batch = batch[:0]
		}
	}
}

func (in *ingester) write(batch []string) {
	if len(batch) == 0 {
		return
	}
	time.Sleep(in.sinkDelay) // the storage is slow
	in.seq++
	in.sink.Encode(map[string]any{"batch": in.seq, "events": batch})
	in.mu.Lock()
	in.pending -= len(batch)
	in.written += len(batch)
	in.batches++
	in.mu.Unlock()
}

// close is called once no handler runs: the queue is drained into the sink.
func (in *ingester) close() {
	close(in.events)
	<-in.done
}

func (in *ingester) metrics(w http.ResponseWriter, _ *http.Request) {
	in.mu.Lock()
	defer in.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	for _, m := range []struct {
		name, kind string
		value      int
	}{
		{"events_received_total", "counter", in.received},
		{"events_rejected_total", "counter", in.rejected},
		{"events_written_total", "counter", in.written},
		{"batches_written_total", "counter", in.batches},
		{"queue_depth", "gauge", in.pending},
	} {
		fmt.Fprintf(w, "# TYPE %s %s\n%s %d\n", m.name, m.kind, m.name, m.value)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func parse(r *http.Request, w http.ResponseWriter) ([]string, error) {
	var events []event
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20)).Decode(&events); err != nil {
		return nil, fmt.Errorf("body must be a JSON array of events: %v", err)
	}
	if len(events) == 0 || len(events) > maxEvents {
		return nil, fmt.Errorf("send 1..%d events", maxEvents)
	}
	ids := make([]string, len(events))
	for i, e := range events {
		if e.ID == nil || *e.ID == "" || e.Type == nil || *e.Type == "" {
			return nil, fmt.Errorf("event %d: id and type must be non-empty strings", i)
		}
		ids[i] = *e.ID
	}
	return ids, nil
}

func routes(in *ingester) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /events", func(w http.ResponseWriter, r *http.Request) {
		ids, err := parse(r, w)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		if !in.accept(ids) {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "overloaded, retry later"})
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]int{"accepted": len(ids)})
	})
	mux.HandleFunc("GET /metrics", in.metrics)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	return mux
}

func main() {
	addr := flag.String("addr", ":8080", "HTTP address")
	capacity := flag.Int("queue", 1000, "events waiting to be written, at most")
	batchSize := flag.Int("batch", 100, "events per batch")
	flush := flag.Duration("flush", 200*time.Millisecond, "longest wait of a partial batch")
	sinkDelay := flag.Duration("sink-delay", 0, "time one batch write takes (simulated storage)")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	in := newIngester(*capacity, *batchSize, *flush, *sinkDelay)
	server := &http.Server{Addr: *addr, Handler: routes(in), ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		server.Shutdown(shutdown)
		in.close()
	}()
	log.Info("listening", "addr", *addr, "queue", *capacity, "batch", *batchSize)
	if err := server.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("server failed", "err", err)
		os.Exit(1)
	}
	<-drained
	log.Info("stopped")
}
