package testcluster

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

// AISFront is a reverse proxy on loopback in front of a proxy of the
// cluster that refuses etlcore's private client endpoints (/v1/jobs)
// with 410 Gone, passes everything else through and counts requests by
// path and what=, so that a test can show a client speaks only AIStore's
// API.
type AISFront struct {
	URL string

	mu      sync.Mutex
	counts  map[string]int
	refused []string
}

// StartAISFront starts an AISFront before proxyURL, closed with the test.
func StartAISFront(t testing.TB, proxyURL string) *AISFront {
	t.Helper()
	to, err := url.Parse(proxyURL)
	if err != nil {
		t.Fatalf("front of %q: %v", proxyURL, err)
	}
	f := &AISFront{counts: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(to)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Path
		if what := r.URL.Query().Get(api.QparamWhat); what != "" {
			key += "?what=" + what
		}
		f.mu.Lock()
		f.counts[r.Method+" "+key]++
		private := r.URL.Path == api.PathJobs || strings.HasPrefix(r.URL.Path, api.PathJobs+"/")
		if private {
			f.refused = append(f.refused, r.Method+" "+r.URL.RequestURI())
		}
		f.mu.Unlock()
		if private {
			http.Error(w, "etlcore's private endpoint "+r.URL.Path+": AIStore has none", http.StatusGone)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// Count returns how many requests "METHOD path[?what=W]" the front saw.
func (f *AISFront) Count(req string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[req]
}

// Refused returns the requests to private endpoints the front refused.
func (f *AISFront) Refused() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.refused...)
}
