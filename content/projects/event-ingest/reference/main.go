// Event ingestion service (reduced): a reference solution of every stage.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"strings"
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

// record: an accepted event on its way to the sink (and to NATS): its id, type and JSON.
type record struct {
	id, typ string
	raw     json.RawMessage
}

// ingester: handlers reserve room for a whole request, a batcher writes batches to the sink.
type ingester struct {
	mu                                   sync.Mutex
	capacity, pending                    int
	received, rejected, written, batches int
	events                               chan record
	batchSize                            int
	flush, sinkDelay                     time.Duration
	sink                                 *json.Encoder
	bus                                  *natsConn // nil without NATS_URL
	seq                                  int
	done                                 chan struct{}
}

func newIngester(capacity, batchSize int, flush, sinkDelay time.Duration, bus *natsConn) *ingester {
	in := &ingester{capacity: capacity, events: make(chan record, capacity), batchSize: batchSize,
		flush: flush, sinkDelay: sinkDelay, sink: json.NewEncoder(os.Stdout), bus: bus,
		done: make(chan struct{})}
	go in.run()
	return in
}

// accept takes all the events or none: there must be room in the queue for every one.
func (in *ingester) accept(recs []record) bool {
	in.mu.Lock()
	if in.pending+len(recs) > in.capacity {
		in.rejected += len(recs)
		in.mu.Unlock()
		return false
	}
	in.pending += len(recs)
	in.received += len(recs)
	in.mu.Unlock()
	for _, rec := range recs {
		in.events <- rec // never blocks: pending <= capacity = cap(events)
	}
	return true
}

func (in *ingester) run() {
	defer close(in.done)
	ticker := time.NewTicker(in.flush)
	defer ticker.Stop()
	batch := make([]record, 0, in.batchSize)
	for {
		select {
		case rec, ok := <-in.events:
			if !ok {
				in.write(batch)
				return
			}
			batch = append(batch, rec)
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

func (in *ingester) write(batch []record) {
	if len(batch) == 0 {
		return
	}
	time.Sleep(in.sinkDelay) // the storage is slow
	in.seq++
	ids := make([]string, len(batch))
	for i, rec := range batch {
		ids[i] = rec.id
	}
	in.sink.Encode(map[string]any{"batch": in.seq, "events": ids})
	if in.bus != nil {
		in.publish(batch)
	}
	in.mu.Lock()
	in.pending -= len(batch)
	in.written += len(batch)
	in.batches++
	in.mu.Unlock()
}

// publish sends each event of a written batch to NATS, once, and waits until the server has
// them all (PING → PONG): an event counted as written is on the bus too.
func (in *ingester) publish(batch []record) {
	for _, rec := range batch {
		if err := in.bus.publish(subjectOf(rec.typ), rec.raw); err != nil {
			slog.Error("nats publish failed", "err", err)
			return
		}
	}
	if err := in.bus.flush(2 * time.Second); err != nil {
		slog.Error("nats flush failed", "err", err)
	}
}

var subjectToken = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// subjectOf: events.<type>, or events.other when the type is not a plain subject token.
func subjectOf(typ string) string {
	if subjectToken.MatchString(typ) {
		return "events." + typ
	}
	return "events.other"
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

func parse(r *http.Request, w http.ResponseWriter) ([]record, error) {
	var raws []json.RawMessage
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20)).Decode(&raws); err != nil {
		return nil, fmt.Errorf("body must be a JSON array of events: %v", err)
	}
	if len(raws) == 0 || len(raws) > maxEvents {
		return nil, fmt.Errorf("send 1..%d events", maxEvents)
	}
	recs := make([]record, len(raws))
	for i, raw := range raws {
		var e event
		if err := json.Unmarshal(raw, &e); err != nil || e.ID == nil || *e.ID == "" ||
			e.Type == nil || *e.Type == "" {
			return nil, fmt.Errorf("event %d: id and type must be non-empty strings", i)
		}
		recs[i] = record{id: *e.ID, typ: *e.Type, raw: raw}
	}
	return recs, nil
}

func routes(in *ingester) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /events", func(w http.ResponseWriter, r *http.Request) {
		recs, err := parse(r, w)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		if !in.accept(recs) {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "overloaded, retry later"})
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]int{"accepted": len(recs)})
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
	slog.SetDefault(log)
	var bus *natsConn
	if url := os.Getenv("NATS_URL"); url != "" {
		var err error
		if bus, err = dialNATS(url); err != nil {
			log.Error("nats unreachable", "url", url, "err", err)
			os.Exit(1)
		}
		defer bus.close()
	}
	in := newIngester(*capacity, *batchSize, *flush, *sinkDelay, bus)
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

// natsConn publishes to a NATS server over its text protocol: CONNECT once, PUB per message,
// PING → PONG to know the server has everything sent before; the server's PINGs get a PONG.
type natsConn struct {
	mu    sync.Mutex // one writer at a time: the batcher and the reader (PONG)
	conn  net.Conn
	w     *bufio.Writer
	pongs chan struct{}
}

func dialNATS(url string) (*natsConn, error) {
	addr := strings.TrimPrefix(url, "nats://")
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	r := bufio.NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	info, err := r.ReadString('\n')
	conn.SetReadDeadline(time.Time{})
	if err != nil || !strings.HasPrefix(info, "INFO ") {
		conn.Close()
		return nil, fmt.Errorf("no INFO from the server: %q %v", info, err)
	}
	nc := &natsConn{conn: conn, w: bufio.NewWriter(conn), pongs: make(chan struct{}, 1)}
	nc.w.WriteString(`CONNECT {"verbose":false,"pedantic":false,"name":"ingest"}` + "\r\n")
	go nc.read(r)
	if err := nc.flush(5 * time.Second); err != nil {
		conn.Close()
		return nil, err
	}
	return nc, nil
}

func (nc *natsConn) read(r *bufio.Reader) {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch {
		case strings.HasPrefix(line, "PING"):
			nc.mu.Lock()
			nc.w.WriteString("PONG\r\n")
			nc.w.Flush()
			nc.mu.Unlock()
		case strings.HasPrefix(line, "PONG"):
			select {
			case nc.pongs <- struct{}{}:
			default:
			}
		case strings.HasPrefix(line, "-ERR"):
			slog.Error("nats server error", "line", strings.TrimSpace(line))
		}
	}
}

func (nc *natsConn) publish(subject string, payload []byte) error {
	nc.mu.Lock()
	defer nc.mu.Unlock()
	fmt.Fprintf(nc.w, "PUB %s %d\r\n", subject, len(payload))
	nc.w.Write(payload)
	_, err := nc.w.WriteString("\r\n")
	return err
}

// flush sends what is buffered and waits for the server's PONG to a PING sent after it.
func (nc *natsConn) flush(timeout time.Duration) error {
	nc.mu.Lock()
	nc.w.WriteString("PING\r\n")
	err := nc.w.Flush()
	nc.mu.Unlock()
	if err != nil {
		return err
	}
	select {
	case <-nc.pongs:
		return nil
	case <-time.After(timeout):
		return errors.New("nats: no PONG from the server")
	}
}

func (nc *natsConn) close() {
	nc.flush(2 * time.Second)
	nc.conn.Close()
}
