package target

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

// TestETLControlRoutes: the target's ETL control routes answer by method
// and pattern; an unknown ETL is a 404 naming it, a known route with
// another method a JSON 405 with Allow, an unknown operation a JSON 404
// naming the path.
func TestETLControlRoutes(t *testing.T) {
	tg := quietTarget(t)
	h := tg.routes()
	do := func(method, path string) (*httptest.ResponseRecorder, api.ErrBody) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		var eb api.ErrBody
		if rec.Code != http.StatusOK {
			if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil {
				t.Errorf("%s %s: %d with a body that is not a JSON error: %q", method, path, rec.Code, rec.Body)
			}
		}
		return rec, eb
	}
	base := api.PathInternal + "etl"
	if rec, _ := do(http.MethodGet, base); rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Errorf("GET %s: %d %q, want an empty list", base, rec.Code, rec.Body)
	}
	for _, op := range []string{"", "/logs", "/metrics", "/health"} {
		rec, eb := do(http.MethodGet, base+"/md5"+op)
		if rec.Code != http.StatusNotFound || !strings.Contains(eb.Message, `etl "md5"`) {
			t.Errorf("GET md5%s: %d %q, want a 404 naming the ETL", op, rec.Code, eb.Message)
		}
	}
	rec, eb := do(http.MethodGet, base+"/md5/init")
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "POST" || !strings.Contains(eb.Message, "GET") {
		t.Errorf("GET init: %d Allow %q %q, want 405 allowing POST", rec.Code, rec.Header().Get("Allow"), eb.Message)
	}
	rec, eb = do(http.MethodPost, base+"/md5/bogus")
	if rec.Code != http.StatusNotFound || !strings.Contains(eb.Message, base+"/md5/bogus") {
		t.Errorf("POST bogus: %d %q, want a 404 naming the path", rec.Code, eb.Message)
	}
	if rec, _ := do(http.MethodPost, base+"/md5/delete"); rec.Code != http.StatusOK {
		t.Errorf("POST delete of an unknown ETL: %d %q, want 200 (nothing to delete)", rec.Code, rec.Body)
	}

	jobs := api.PathInternal + "jobs"
	if rec, _ := do(http.MethodGet, jobs); rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Errorf("GET %s: %d %q, want an empty list", jobs, rec.Code, rec.Body)
	}
	if rec, eb := do(http.MethodGet, jobs+"/job-x"); rec.Code != http.StatusNotFound || !strings.Contains(eb.Message, `job "job-x" not found on target t1`) {
		t.Errorf("GET job-x: %d %q, want a 404 naming the job", rec.Code, eb.Message)
	}
	if rec, _ := do(http.MethodPost, jobs+"/job-x/abort"); rec.Code != http.StatusOK {
		t.Errorf("POST abort of an unknown job: %d %q, want 200 (nothing to abort)", rec.Code, rec.Body)
	}
	if rec, eb := do(http.MethodPost, jobs+"/job-x/start"); rec.Code != http.StatusNotFound || !strings.Contains(eb.Message, `etl ""`) {
		t.Errorf("POST start naming no ETL: %d %q, want a 404 naming the missing ETL", rec.Code, eb.Message)
	}
	rec, eb = do(http.MethodDelete, jobs+"/job-x")
	if rec.Code != http.StatusMethodNotAllowed || !strings.Contains(rec.Header().Get("Allow"), "GET") {
		t.Errorf("DELETE job-x: %d Allow %q %q, want 405 allowing GET", rec.Code, rec.Header().Get("Allow"), eb.Message)
	}
}
