// Package apimux routes the control API by net/http.ServeMux patterns
// (method and {wildcard}, Go 1.22+) and answers an unknown route or method
// as the API answers every error: a JSON error body, 404 naming the path,
// 405 naming the method with the Allow header. ServeMux cleans paths, so
// object routes, whose names may hold "..", "//" and the like, use
// etlcore/prefixmux instead.
package apimux

import (
	"net/http"

	"github.com/etlbench/etlbench/etlcore/api"
)

// Mux is an http.ServeMux with the API's error answers.
type Mux struct {
	mux http.ServeMux
}

// New returns an empty Mux.
func New() *Mux { return &Mux{} }

// HandleFunc registers h for pattern, e.g. "GET /v1/etl/{name}/health".
func (m *Mux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.mux.HandleFunc(pattern, h)
}

// Handle registers h for pattern.
func (m *Mux) Handle(pattern string, h http.Handler) { m.mux.Handle(pattern, h) }

// ServeHTTP implements http.Handler.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := m.mux.Handler(r)
	if pattern != "" {
		m.mux.ServeHTTP(w, r) // sets the wildcards (r.PathValue)
		return
	}
	// No route: ServeMux's own handler says 404 or 405 (with Allow).
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	if rec.status == http.StatusMethodNotAllowed {
		allow := rec.header.Get("Allow")
		w.Header().Set("Allow", allow)
		api.WriteErr(w, r, http.StatusMethodNotAllowed, "method %s not allowed on %s (allowed: %s)", r.Method, r.URL.Path, allow)
		return
	}
	api.WriteErr(w, r, http.StatusNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
}

// recorder keeps the status and header ServeMux's error handlers write.
type recorder struct {
	header http.Header
	status int
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return len(b), nil
}
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
