package target

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

// A target that leaves (its pod is being deleted) answers every request,
// health included, with 503 naming itself and closes the connection; only
// transformers' reads of objects still go through.
func TestLeavingTargetRefusesRequests(t *testing.T) {
	tg := quietTarget(t)
	h := tg.routes()
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	if rec := get(api.PathHealth); rec.Code != http.StatusOK {
		t.Fatalf("health before leaving: %d %s", rec.Code, rec.Body)
	}
	tg.leave("test")
	for _, path := range []string{api.PathHealth, api.PathObjects + "b/o"} {
		rec := get(path)
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "target t1 is shutting down") {
			t.Errorf("GET %s while leaving: %d %s; want 503 naming the target", path, rec.Code, rec.Body)
		}
		if rec.Header().Get("Connection") != "close" {
			t.Errorf("GET %s while leaving: connection kept", path)
		}
	}
	// A transformer's read of an object still reaches the handler (which
	// refuses this one for its unknown ETL, not for the shutdown).
	if rec := get(api.PathETLObj + "md5-etl/secret/b%2Fo"); rec.Code == http.StatusServiceUnavailable {
		t.Errorf("transformer object read while leaving: %d %s; want it served", rec.Code, rec.Body)
	}
}
