package proxy

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

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
	msg, ok := api.ReadActMsgOr400(w, r)
	if !ok {
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

// getBucket serves GET /v1/buckets/NAME: a listing, or AIStore's bucket
// summary (action summary-bck).
func (p *Proxy) getBucket(w http.ResponseWriter, r *http.Request, bck string) {
	body, err := ioReadAllLimit(r, 4<<20)
	if err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	var am api.ActMsg
	if len(bytes.TrimSpace(body)) > 0 && json.Unmarshal(body, &am) == nil && am.Action == api.ActSummaryBck {
		p.bucketSummary(w, r, bck, &am)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	p.listObjects(w, r, bck)
}

// bucketSummary answers AIStore's two-step bucket summary: the first
// request (no uuid) gets 202 and an id, the next one (with it) the
// summary: object count, sizes and total bytes, from every target.
func (p *Proxy) bucketSummary(w http.ResponseWriter, r *http.Request, bck string, am *api.ActMsg) {
	var msg struct {
		UUID   string `json:"uuid"`
		Prefix string `json:"prefix"`
	}
	if err := am.DecodeValue(&msg); err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	if !p.bucketExists(bck) {
		api.WriteErr(w, r, http.StatusNotFound, "bucket %q does not exist", bck)
		return
	}
	if msg.UUID == "" {
		w.Header().Set(api.HdrContentType, "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, newClusterUUID())
		return
	}
	targets, err := p.aliveTargets(true)
	if err != nil {
		api.WriteErr(w, r, http.StatusServiceUnavailable, "summary of bucket %q: %v", bck, err)
		return
	}
	var n, total, minSize, maxSize int64
	for _, t := range targets {
		token := ""
		for {
			am := api.ActMsg{Action: api.ActList}
			am.Value, _ = json.Marshal(api.ListMsg{Prefix: msg.Prefix, PageSize: 10000, ContinuationToken: token})
			body, _ := json.Marshal(am)
			rp := p.broadcast(r.Context(), []api.NodeInfo{t}, http.MethodGet, api.PathBuckets+bck, body)[0]
			var lr api.ListResult
			if rp.failed() || json.Unmarshal(rp.body, &lr) != nil {
				api.WriteErr(w, r, http.StatusBadGateway, "summary of bucket %q: target %s: %s", bck, t.ID, rp.errString())
				return
			}
			for _, e := range lr.Entries {
				if n == 0 || e.Size < minSize {
					minSize = e.Size
				}
				maxSize = max(maxSize, e.Size)
				total += e.Size
				n++
			}
			if token = lr.ContinuationToken; token == "" || len(lr.Entries) == 0 {
				break
			}
		}
	}
	avg := int64(0)
	if n > 0 {
		avg = total / n
	}
	type m = map[string]any
	str := func(v int64) string { return strconv.FormatInt(v, 10) }
	api.WriteJSON(w, []m{{
		"name": bck, "provider": api.Provider, "namespace": api.AisNs{},
		"ObjCount":  m{"obj_count_present": str(n), "obj_count_remote": "0"},
		"ObjSize":   m{"obj_min_size": minSize, "obj_avg_size": avg, "obj_max_size": maxSize},
		"TotalSize": m{"size_on_disk": str(total), "size_all_present_objs": str(total), "size_all_remote_objs": "0", "total_disks_size": "0"},
		"used_pct":  0, "is_present": true,
	}})
}
