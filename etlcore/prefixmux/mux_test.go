package prefixmux

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

// TestMux: exact patterns match only themselves, the longest prefix wins,
// a path with dot segments reaches its handler uncleaned, and anything
// else is a 404 with a JSON error body.
func TestMux(t *testing.T) {
	m := New()
	name := func(s string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, s+" "+r.URL.Path) }
	}
	m.HandleFunc("/v1/objects/", name("objects"))
	m.HandleFunc("/v1/objects/_special/", name("special"))
	m.HandleFunc("/v1/health", name("health"))
	srv := httptest.NewServer(m)
	defer srv.Close()
	cases := []struct {
		path, want string
		status     int
	}{
		{"/v1/health", "health /v1/health", 200},
		{"/v1/health/x", "", 404},
		{"/v1/objects/b/o", "objects /v1/objects/b/o", 200},
		{"/v1/objects/_special/x", "special /v1/objects/_special/x", 200},
		{"/v1/objects/b/a/./../o", "objects /v1/objects/b/a/./../o", 200},
		{"/nothing", "", 404},
	}
	for _, c := range cases {
		// A raw request line: http.Get would not clean the path either, but
		// say so explicitly.
		req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Opaque = c.path
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.path, resp.StatusCode, c.status, b)
			continue
		}
		if c.status == 200 && string(b) != c.want {
			t.Errorf("%s: %q, want %q", c.path, b, c.want)
		}
		if c.status == 404 {
			var eb api.ErrBody
			if err := json.Unmarshal(b, &eb); err != nil || eb.Message == "" || eb.Status != 404 {
				t.Errorf("%s: 404 body %q: want a JSON error body", c.path, b)
			}
		}
	}
}
