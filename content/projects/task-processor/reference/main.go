// Concurrent Task Processor: a reference solution of every stage.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	statusQueued    = "queued"
	statusRunning   = "running"
	statusDone      = "done"
	statusCancelled = "cancelled"
	maxDurationMS   = 60000
)

var buckets = []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type task struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	Progress   int    `json:"progress"`
	DurationMS int    `json:"duration_ms"`
}

type processor struct {
	mu        sync.Mutex
	tasks     map[string]*task
	nextID    int
	queue     chan *task
	closed    bool
	submitted int
	completed int
	running   int
	counts    []int // per bucket, cumulative at exposition time
	sum       float64
	observed  int
	log       *slog.Logger
	workers   sync.WaitGroup
	stop      chan struct{}
}

func newProcessor(workers, capacity int, log *slog.Logger) *processor {
	p := &processor{
		tasks:  map[string]*task{},
		queue:  make(chan *task, capacity),
		counts: make([]int, len(buckets)),
		log:    log,
		stop:   make(chan struct{}),
	}
	for i := 0; i < workers; i++ {
		p.workers.Add(1)
		go p.work()
	}
	return p
}

func (p *processor) submit(durationMS int) (task, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return task{}, errors.New("shutting down")
	}
	p.nextID++
	t := &task{ID: strconv.Itoa(p.nextID), Status: statusQueued, DurationMS: durationMS}
	select {
	case p.queue <- t:
	default:
		p.nextID--
		return task{}, errors.New("queue is full")
	}
	p.tasks[t.ID] = t
	p.submitted++
	return *t, nil
}

func (p *processor) get(id string) (task, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.tasks[id]
	if !ok {
		return task{}, false
	}
	return *t, true
}

func (p *processor) work() {
	defer p.workers.Done()
	for {
		select { // a stop wins over a queued task: after SIGTERM nothing new starts
		case <-p.stop:
			return
		default:
		}
		select {
		case <-p.stop:
			return
		case t := <-p.queue:
			p.run(t)
		}
	}
}

func (p *processor) run(t *task) {
	p.mu.Lock()
	t.Status = statusRunning
	p.running++
	p.mu.Unlock()
	start := time.Now()
	total := time.Duration(t.DurationMS) * time.Millisecond
	tick := time.NewTicker(10 * time.Millisecond)
	for elapsed := time.Since(start); elapsed < total; elapsed = time.Since(start) {
		p.mu.Lock()
		t.Progress = min(99, int(elapsed*100/total))
		p.mu.Unlock()
		<-tick.C
	}
	tick.Stop()
	seconds := time.Since(start).Seconds()
	p.mu.Lock()
	t.Status, t.Progress = statusDone, 100
	p.running--
	p.completed++
	p.observe(seconds)
	p.mu.Unlock()
	p.log.Info("task done", "id", t.ID, "duration_ms", t.DurationMS)
}

func (p *processor) observe(seconds float64) {
	for i, le := range buckets {
		if seconds <= le {
			p.counts[i]++
		}
	}
	p.sum += seconds
	p.observed++
}

// shutdown stops taking tasks, lets running ones finish and cancels the queued ones.
func (p *processor) shutdown() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	close(p.stop)
	p.workers.Wait()
	for {
		select {
		case t := <-p.queue:
			p.mu.Lock()
			t.Status = statusCancelled
			p.mu.Unlock()
			p.log.Info("task cancelled", "id", t.ID)
		default:
			return
		}
	}
}

func (p *processor) writeMetrics(w http.ResponseWriter, _ *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintf(w, "# HELP tasks_submitted_total Tasks accepted.\n# TYPE tasks_submitted_total counter\ntasks_submitted_total %d\n", p.submitted)
	fmt.Fprintf(w, "# HELP tasks_completed_total Tasks finished.\n# TYPE tasks_completed_total counter\ntasks_completed_total %d\n", p.completed)
	fmt.Fprintf(w, "# HELP tasks_running Tasks being run.\n# TYPE tasks_running gauge\ntasks_running %d\n", p.running)
	fmt.Fprintf(w, "# HELP tasks_queued Tasks waiting.\n# TYPE tasks_queued gauge\ntasks_queued %d\n", len(p.queue))
	fmt.Fprintf(w, "# HELP task_duration_seconds Time to run a task.\n# TYPE task_duration_seconds histogram\n")
	for i, le := range buckets {
		fmt.Fprintf(w, "task_duration_seconds_bucket{le=\"%g\"} %d\n", le, p.counts[i])
	}
	fmt.Fprintf(w, "task_duration_seconds_bucket{le=\"+Inf\"} %d\n", p.observed)
	fmt.Fprintf(w, "task_duration_seconds_sum %g\ntask_duration_seconds_count %d\n", p.sum, p.observed)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (p *processor) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /tasks", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			DurationMS *int `json:"duration_ms"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
		if err := dec.Decode(&in); err != nil || in.DurationMS == nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be {\"duration_ms\": N}"})
			return
		}
		if *in.DurationMS < 0 || *in.DurationMS > maxDurationMS {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "duration_ms must be 0..60000"})
			return
		}
		t, err := p.submit(*in.DurationMS)
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusAccepted, t)
	})
	mux.HandleFunc("GET /tasks/{id}", func(w http.ResponseWriter, r *http.Request) {
		t, ok := p.get(r.PathValue("id"))
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such task"})
			return
		}
		writeJSON(w, http.StatusOK, t)
	})
	mux.HandleFunc("GET /metrics", p.writeMetrics)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

func main() {
	addr := flag.String("addr", ":8080", "HTTP address")
	workers := flag.Int("workers", 4, "worker goroutines")
	capacity := flag.Int("queue", 100, "queue capacity")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	p := newProcessor(*workers, *capacity, log)
	server := &http.Server{Addr: *addr, Handler: p.routes(), ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	failed := make(chan error, 1)
	go func() { failed <- server.ListenAndServe() }()
	log.Info("listening", "addr", *addr, "workers", *workers)
	select {
	case err := <-failed:
		log.Error("server failed", "err", err)
		os.Exit(1)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil && !strings.Contains(err.Error(), "closed") {
		log.Error("shutdown", "err", err)
	}
	p.shutdown()
	log.Info("stopped")
}
