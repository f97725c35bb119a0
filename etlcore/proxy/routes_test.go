package proxy

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

// TestControlRoutes runs a real proxy with an auth token and no targets:
// the ETL and job routes answer by method and pattern; a change without
// the token is refused; an unknown ETL or job is a 404 naming it; a known
// route with another method is a JSON 405 with Allow; an unknown
// operation is a JSON 404 naming the path.
func TestControlRoutes(t *testing.T) {
	const token = "secret-token"
	p, err := New(Config{Host: "127.0.0.1", Dir: t.TempDir(), AuthToken: token})
	if err != nil {
		t.Fatal(err)
	}
	base := runProxy(t, p)
	do := func(method, path string, auth bool) (*http.Response, string, api.ErrBody) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if auth {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var eb api.ErrBody
		if resp.StatusCode != http.StatusOK {
			if err := json.Unmarshal(b, &eb); err != nil {
				t.Errorf("%s %s: %d with a body that is not a JSON error: %q", method, path, resp.StatusCode, b)
			}
		}
		return resp, string(b), eb
	}
	for _, path := range []string{api.PathETL, api.PathJobs, api.PathJobs + "/"} {
		if resp, body, _ := do("GET", path, false); resp.StatusCode != 200 || strings.TrimSpace(body) != "[]" {
			t.Errorf("GET %s: %d %q, want an empty list", path, resp.StatusCode, body)
		}
	}
	if resp, _, _ := do("POST", api.PathETL+"/md5/stop", false); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("stop without the token: %d, want 401", resp.StatusCode)
	}
	cases := []struct {
		method, path string
		status       int
		want         string
	}{
		{"GET", api.PathETL + "/md5", 404, `etl "md5" does not exist`},
		{"GET", api.PathETL + "/md5/logs/t9", 404, `etl "md5" does not exist`},
		{"POST", api.PathETL + "/md5/stop", 404, `etl "md5" does not exist`},
		{"DELETE", api.PathETL + "/md5", 404, `etl "md5" does not exist`},
		{"GET", api.PathJobs + "/job-x", 404, `job "job-x" does not exist`},
		{"POST", api.PathJobs + "/job-x/abort", 404, `job "job-x" does not exist`},
		{"POST", api.PathETL + "/md5/bogus", 404, api.PathETL + "/md5/bogus"},
		{"PATCH", api.PathETL + "/md5", 405, "PATCH"},
		{"DELETE", api.PathJobs + "/job-x/abort", 405, "DELETE"},
	}
	for _, tc := range cases {
		resp, _, eb := do(tc.method, tc.path, true)
		if resp.StatusCode != tc.status || !strings.Contains(eb.Message, tc.want) {
			t.Errorf("%s %s: %d %q, want %d naming %s", tc.method, tc.path, resp.StatusCode, eb.Message, tc.status, tc.want)
		}
		if tc.status == 405 && resp.Header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", tc.method, tc.path)
		}
	}
}
