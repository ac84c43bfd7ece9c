// REST users API: a reference solution of every stage.
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
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

var emailRe = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

type user struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Age   int    `json:"age"`
}

type input struct {
	Name  *string `json:"name"`
	Email *string `json:"email"`
	Age   *int    `json:"age"`
}

var errTaken = errors.New("email is already taken")

type store struct {
	mu     sync.Mutex
	users  map[int]user
	emails map[string]int
	nextID int
}

func (s *store) create(u user) (user, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(u.Email)
	if _, taken := s.emails[key]; taken {
		return user{}, errTaken
	}
	s.nextID++
	u.ID = s.nextID
	s.users[u.ID] = u
	s.emails[key] = u.ID
	return u, nil
}

func (s *store) replace(id int, u user) (user, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.users[id]
	if !ok {
		return user{}, false, nil
	}
	key := strings.ToLower(u.Email)
	if owner, taken := s.emails[key]; taken && owner != id {
		return user{}, true, errTaken
	}
	delete(s.emails, strings.ToLower(old.Email))
	u.ID = id
	s.users[id] = u
	s.emails[key] = id
	return u, true, nil
}

func (s *store) get(id int) (user, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	return u, ok
}

func (s *store) remove(id int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if ok {
		delete(s.users, id)
		delete(s.emails, strings.ToLower(u.Email))
	}
	return ok
}

func (s *store) page(limit, offset int) ([]user, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := make([]user, 0, len(s.users))
	for _, u := range s.users {
		all = append(all, u)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	start := min(offset, len(all))
	end := min(start+limit, len(all))
	return all[start:end], len(all)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// validate returns field → problem for every invalid field.
func validate(in input) (user, map[string]string) {
	problems := map[string]string{}
	var u user
	switch {
	case in.Name == nil || strings.TrimSpace(*in.Name) == "":
		problems["name"] = "required, not blank"
	case utf8.RuneCountInString(*in.Name) > 100:
		problems["name"] = "at most 100 characters"
	default:
		u.Name = *in.Name
	}
	if in.Email == nil || !emailRe.MatchString(*in.Email) {
		problems["email"] = "a valid address like name@example.com"
	} else {
		u.Email = *in.Email
	}
	if in.Age == nil || *in.Age < 0 || *in.Age > 150 {
		problems["age"] = "an integer from 0 to 150"
	} else {
		u.Age = *in.Age
	}
	return u, problems
}

// decode reads the body; a JSON type error names its field like a validation problem.
func decode(w http.ResponseWriter, r *http.Request) (user, bool) {
	var in input
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	if err := dec.Decode(&in); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
				"errors": map[string]string{typeErr.Field: "wrong type: " + typeErr.Value}})
			return user{}, false
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad JSON: " + err.Error()})
		return user{}, false
	}
	u, problems := validate(in)
	if len(problems) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"errors": problems})
		return user{}, false
	}
	return u, true
}

func queryInt(r *http.Request, name string, fallback, lo, hi int) (int, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return fallback, nil
	}
	v, err := strconv.Atoi(raw)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%s must be an integer from %d to %d", name, lo, hi)
	}
	return v, nil
}

func routes(s *store) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /users", func(w http.ResponseWriter, r *http.Request) {
		u, ok := decode(w, r)
		if !ok {
			return
		}
		created, err := s.create(u)
		if err != nil {
			writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
			return
		}
		w.Header().Set("Location", fmt.Sprintf("/users/%d", created.ID))
		writeJSON(w, http.StatusCreated, created)
	})
	mux.HandleFunc("GET /users", func(w http.ResponseWriter, r *http.Request) {
		limit, err := queryInt(r, "limit", 20, 1, 100)
		if err == nil {
			var offset int
			if offset, err = queryInt(r, "offset", 0, 0, 1<<31-1); err == nil {
				items, total := s.page(limit, offset)
				writeJSON(w, http.StatusOK, map[string]any{
					"items": items, "total": total, "limit": limit, "offset": offset})
				return
			}
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
	})
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.Atoi(r.PathValue("id"))
		if u, ok := s.get(id); ok {
			writeJSON(w, http.StatusOK, u)
			return
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such user"})
	})
	mux.HandleFunc("PUT /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.Atoi(r.PathValue("id"))
		u, ok := decode(w, r)
		if !ok {
			return
		}
		updated, found, err := s.replace(id, u)
		switch {
		case !found:
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such user"})
		case err != nil:
			writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
		default:
			writeJSON(w, http.StatusOK, updated)
		}
	})
	mux.HandleFunc("DELETE /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.Atoi(r.PathValue("id"))
		if !s.remove(id) {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such user"})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// logged writes one JSON line per request: method, path, status, duration_ms.
func logged(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

func main() {
	addr := flag.String("addr", ":8080", "HTTP address")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	s := &store{users: map[int]user{}, emails: map[string]int{}}
	server := &http.Server{Addr: *addr, Handler: logged(log, routes(s)), ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		server.Shutdown(shutdown)
	}()
	log.Info("listening", "addr", *addr)
	if err := server.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("server failed", "err", err)
		os.Exit(1)
	}
	<-drained
}
