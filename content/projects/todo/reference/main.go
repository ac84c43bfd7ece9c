// TODO list service: a reference solution of every stage.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

const maxTitle = 200

type todo struct {
	ID    int    `json:"id"`
	Title string `json:"title"`
	Done  bool   `json:"done"`
}

type saved struct {
	NextID int    `json:"next_id"`
	Todos  []todo `json:"todos"`
}

type store struct {
	mu     sync.Mutex
	path   string
	todos  map[int]todo
	nextID int
}

func open(path string) (*store, error) {
	s := &store{path: path, todos: map[int]todo{}, nextID: 1}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	var file saved
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, t := range file.Todos {
		s.todos[t.ID] = t
	}
	s.nextID = max(file.NextID, 1)
	return s, nil
}

// save writes the whole list to a temporary file and renames it over the old one.
func (s *store) save() error {
	file := saved{NextID: s.nextID, Todos: s.sorted()}
	data, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		return err
	}
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, s.path)
}

func (s *store) sorted() []todo {
	list := make([]todo, 0, len(s.todos))
	for _, t := range s.todos {
		list = append(list, t)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	return list
}

func (s *store) list() []todo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sorted()
}

func (s *store) get(id int) (todo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.todos[id]
	return t, ok
}

func (s *store) create(title string) (todo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := todo{ID: s.nextID, Title: title}
	s.nextID++
	s.todos[t.ID] = t
	return t, s.save()
}

func (s *store) update(id int, title *string, done *bool) (todo, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.todos[id]
	if !ok {
		return todo{}, false, nil
	}
	if title != nil {
		t.Title = *title
	}
	if done != nil {
		t.Done = *done
	}
	s.todos[id] = t
	return t, true, s.save()
}

func (s *store) delete(id int) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.todos[id]; !ok {
		return false, nil
	}
	delete(s.todos, id)
	return true, s.save()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("one JSON object expected")
	}
	return nil
}

func checkTitle(title string) error {
	if strings.TrimSpace(title) == "" {
		return errors.New("title must not be empty")
	}
	if utf8.RuneCountInString(title) > maxTitle {
		return fmt.Errorf("title is longer than %d characters", maxTitle)
	}
	return nil
}

func pathID(r *http.Request) (int, bool) {
	id, err := strconv.Atoi(r.PathValue("id"))
	return id, err == nil
}

func routes(s *store, log *slog.Logger) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /todos", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.list())
	})
	mux.HandleFunc("POST /todos", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Title *string `json:"title"`
		}
		if err := decode(w, r, &in); err != nil {
			fail(w, http.StatusBadRequest, "bad JSON: "+err.Error())
			return
		}
		if in.Title == nil {
			fail(w, http.StatusBadRequest, "title is required")
			return
		}
		if err := checkTitle(*in.Title); err != nil {
			fail(w, http.StatusBadRequest, err.Error())
			return
		}
		t, err := s.create(*in.Title)
		if err != nil {
			log.Error("save", "err", err)
			fail(w, http.StatusInternalServerError, "cannot save")
			return
		}
		w.Header().Set("Location", fmt.Sprintf("/todos/%d", t.ID))
		writeJSON(w, http.StatusCreated, t)
	})
	mux.HandleFunc("GET /todos/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(r)
		t, found := s.get(id)
		if !ok || !found {
			fail(w, http.StatusNotFound, "no such todo")
			return
		}
		writeJSON(w, http.StatusOK, t)
	})
	mux.HandleFunc("PATCH /todos/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(r)
		if !ok {
			fail(w, http.StatusNotFound, "no such todo")
			return
		}
		var in struct {
			Title *string `json:"title"`
			Done  *bool   `json:"done"`
		}
		if err := decode(w, r, &in); err != nil {
			fail(w, http.StatusBadRequest, "bad JSON: "+err.Error())
			return
		}
		if in.Title == nil && in.Done == nil {
			fail(w, http.StatusBadRequest, "nothing to change: send title and/or done")
			return
		}
		if in.Title != nil {
			if err := checkTitle(*in.Title); err != nil {
				fail(w, http.StatusBadRequest, err.Error())
				return
			}
		}
		t, found, err := s.update(id, in.Title, in.Done)
		switch {
		case err != nil:
			log.Error("save", "err", err)
			fail(w, http.StatusInternalServerError, "cannot save")
		case !found:
			fail(w, http.StatusNotFound, "no such todo")
		default:
			writeJSON(w, http.StatusOK, t)
		}
	})
	mux.HandleFunc("DELETE /todos/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(r)
		found, err := s.delete(id)
		switch {
		case err != nil:
			log.Error("save", "err", err)
			fail(w, http.StatusInternalServerError, "cannot save")
		case !ok || !found:
			fail(w, http.StatusNotFound, "no such todo")
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
	return mux
}

func main() {
	addr := flag.String("addr", ":8080", "HTTP address")
	data := flag.String("data", "todos.json", "file the list is kept in")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	s, err := open(filepath.Clean(*data))
	if err != nil {
		log.Error("cannot read the data file", "err", err)
		os.Exit(1)
	}
	server := &http.Server{Addr: *addr, Handler: routes(s, log), ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		server.Shutdown(shutdown) // in-flight requests finish; every change is saved already
	}()
	log.Info("listening", "addr", *addr, "data", *data)
	if err := server.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("server failed", "err", err)
		os.Exit(1)
	}
	<-drained
	log.Info("stopped")
}
