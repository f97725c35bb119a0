package target

import (
	"net/http"
	"strings"

	"github.com/etlbench/etlbench/etlcore/api"
)

// leave marks the target as going away: it is stopping (SIGTERM), or, on
// Kubernetes, its pod is being deleted (the garbage collector took its
// transformer pods with it) and SIGTERM is on the way. From then on it
// refuses new requests with 503 naming itself, and a transformer that ends
// is not reported to the proxy as failed: clients and the proxy see the
// target leave, not its ETLs fail.
func (t *Target) leave(why string) {
	if t.leaving.CompareAndSwap(false, true) {
		t.log.Printf("leaving the cluster: %s", why)
	}
}

// refuseWhileLeaving answers every request with 503 once the target
// leaves, except a transformer's reads of objects (PathETLObj): the
// transforms in flight, which the target lets finish, may need them (hpull).
func (t *Target) refuseWhileLeaving(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !t.leaving.Load() || strings.HasPrefix(r.URL.Path, api.PathETLObj) {
			h.ServeHTTP(w, r)
			return
		}
		api.DrainBody(r)
		w.Header().Set("Connection", "close")
		api.WriteErr(w, r, http.StatusServiceUnavailable, "target %s is shutting down", t.cfg.ID)
	})
}
