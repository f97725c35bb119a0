package apimux

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

// TestMux: a method+wildcard pattern gets its request with the wildcard
// set; a known path with another method is a JSON 405 naming the method
// and the allowed ones (also in Allow); an unknown path is a JSON 404
// naming it.
func TestMux(t *testing.T) {
	m := New()
	m.HandleFunc("GET /v1/etl/{name}/health", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "health "+r.PathValue("name"))
	})
	m.HandleFunc("DELETE /v1/etl/{name}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "delete "+r.PathValue("name"))
	})
	srv := httptest.NewServer(m)
	defer srv.Close()
	do := func(method, path string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if resp, body := do("GET", "/v1/etl/md5/health"); resp.StatusCode != 200 || body != "health md5" {
		t.Errorf("GET health: %d %q", resp.StatusCode, body)
	}
	if resp, body := do("DELETE", "/v1/etl/md5"); resp.StatusCode != 200 || body != "delete md5" {
		t.Errorf("DELETE: %d %q", resp.StatusCode, body)
	}
	resp, body := do("POST", "/v1/etl/md5/health")
	var eb api.ErrBody
	if err := json.Unmarshal([]byte(body), &eb); err != nil || resp.StatusCode != 405 {
		t.Fatalf("POST health: %d %q (%v), want a JSON 405", resp.StatusCode, body, err)
	}
	if allow := resp.Header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(eb.Message, "POST") || !strings.Contains(eb.Message, "GET") {
		t.Errorf("405: Allow %q, message %q: want both to name GET, the message POST", allow, eb.Message)
	}
	resp, body = do("GET", "/v1/etl/md5/nope")
	eb = api.ErrBody{}
	if err := json.Unmarshal([]byte(body), &eb); err != nil || resp.StatusCode != 404 || !strings.Contains(eb.Message, "/v1/etl/md5/nope") {
		t.Errorf("unknown path: %d %q (%v), want a JSON 404 naming the path", resp.StatusCode, body, err)
	}
}
