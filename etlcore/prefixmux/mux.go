// Package prefixmux routes HTTP requests by exact path or longest path
// prefix without cleaning the path first.
package prefixmux

import (
	"net/http"
	"sort"
	"strings"

	"github.com/etlbench/etlbench/etlcore/api"
)

// Mux dispatches by path prefix without cleaning the path (unlike
// http.ServeMux, which would redirect "a/./b" to "a/b" and so hide a bad
// object name from validation).
type Mux struct {
	exact    map[string]http.Handler
	prefixes []prefixRoute
}

type prefixRoute struct {
	prefix string
	h      http.Handler
}

// New returns an empty Mux.
func New() *Mux { return &Mux{exact: map[string]http.Handler{}} }

// HandleFunc registers h for pattern: a pattern ending in '/' matches every
// path under it (longest prefix wins); any other pattern matches exactly.
func (rt *Mux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	rt.Handle(pattern, http.HandlerFunc(h))
}

// Handle registers h for pattern (see HandleFunc).
func (rt *Mux) Handle(pattern string, h http.Handler) {
	if strings.HasSuffix(pattern, "/") {
		rt.prefixes = append(rt.prefixes, prefixRoute{pattern, h})
		sort.Slice(rt.prefixes, func(i, j int) bool { return len(rt.prefixes[i].prefix) > len(rt.prefixes[j].prefix) })
		return
	}
	rt.exact[pattern] = h
}

// ServeHTTP implements http.Handler.
func (rt *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, ok := rt.exact[r.URL.Path]; ok {
		h.ServeHTTP(w, r)
		return
	}
	for _, p := range rt.prefixes {
		if strings.HasPrefix(r.URL.Path, p.prefix) {
			p.h.ServeHTTP(w, r)
			return
		}
	}
	api.WriteErr(w, r, http.StatusNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
}
