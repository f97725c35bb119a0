package proxy

import (
	"crypto/rand"
	"encoding/json"
	"net/http"

	"github.com/etlbench/etlbench/etlcore/api"
)

// handleBucketList serves AIStore's list-buckets, GET /v1/buckets (body
// {"action":"list","name":...}, query provider=): every bucket in
// AIStore's shape. etlcore has only ais:// buckets, so a query for another
// provider lists none.
func (p *Proxy) handleBucketList(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		api.WriteErr(w, r, http.StatusMethodNotAllowed, "method %s not allowed on %s (a bucket is /v1/buckets/NAME)", r.Method, r.URL.Path)
		return
	}
	msg, err := api.ReadActMsg(r)
	if err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	if msg.Action != "" && msg.Action != api.ActList {
		api.WriteErr(w, r, http.StatusBadRequest, "GET %s takes action %q, not %q", r.URL.Path, api.ActList, msg.Action)
		return
	}
	out := []api.AisBck{}
	if prov := r.URL.Query().Get(api.QparamProvider); prov != "" && prov != api.Provider {
		api.WriteJSON(w, out)
		return
	}
	p.mu.RLock()
	names := p.bucketListLocked()
	p.mu.RUnlock()
	for _, n := range names {
		if msg.Name == "" || msg.Name == n {
			out = append(out, api.AisBck{Name: n, Provider: api.Provider})
		}
	}
	api.WriteJSON(w, out)
}

// setBucketProps adds AIStore's bucket properties header to a HEAD bucket
// answer: AIStore's clients decode it before any GET or job.
func setBucketProps(w http.ResponseWriter) {
	b, _ := json.Marshal(api.DefaultBprops())
	w.Header().Set(api.HdrBucketProps, string(b))
}

// newClusterUUID returns a cluster id in AIStore's style (9 letters and
// digits).
func newClusterUUID() string {
	const abc = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b [9]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = abc[int(b[i])%len(abc)]
	}
	return string(b[:])
}
