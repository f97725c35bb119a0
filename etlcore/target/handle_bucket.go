package target

import (
	"net/http"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/cluster"
)

// handleBucket serves /v1/buckets/<bck> on a target (the proxy broadcasts
// bucket operations and merges listings).
func (t *Target) handleBucket(w http.ResponseWriter, r *http.Request) {
	bck, _ := api.SplitBckObj(r.URL.Path, api.PathBuckets)
	if err := cluster.ValidateBucket(bck); err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	// Creating, destroying and starting jobs are control operations: with
	// --auth-token only the proxy (which sends the token) may ask for them.
	if (r.Method == http.MethodPost || r.Method == http.MethodDelete) && !api.CheckToken(r, t.cfg.AuthToken) {
		api.WriteErr(w, r, http.StatusUnauthorized, "missing or wrong auth token")
		return
	}
	switch r.Method {
	case http.MethodHead:
		if !t.store.BucketExists(bck) {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusOK)
	case http.MethodGet:
		msg, err := api.ParseListRequest(r)
		if err != nil {
			api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
			return
		}
		if !t.haveBucket(w, r, bck) {
			return
		}
		ents, more, err := t.store.List(bck, msg.Prefix, msg.ContinuationToken, msg.PageSize)
		if err != nil {
			writeStoreErr(w, r, err)
			return
		}
		if wantsProp(msg.Props, "checksum") {
			t.addChecksums(bck, ents)
		}
		res := api.ListResult{Entries: ents}
		if more && len(ents) > 0 {
			res.ContinuationToken = ents[len(ents)-1].Name
		}
		if res.Entries == nil {
			res.Entries = []api.ListEntry{}
		}
		api.WriteJSON(w, res)
	case http.MethodPost:
		msg, ok := api.ReadActMsgOr400(w, r)
		if !ok {
			return
		}
		switch msg.Action {
		case api.ActCreateBck:
			if err := t.bucketOp(r, func() error { return t.store.CreateBucket(bck) }); err != nil {
				writeStoreErr(w, r, err)
				return
			}
		case api.ActETLBck, api.ActETLListRange, api.ActCopyBck, api.ActCopyListRange:
			t.startJob(w, r, bck, msg)
			return
		default:
			api.WriteErr(w, r, http.StatusBadRequest, "unknown bucket action %q", msg.Action)
			return
		}
	case http.MethodDelete:
		if err := t.bucketOp(r, func() error { return t.store.DestroyBucket(bck) }); err != nil {
			writeStoreErr(w, r, err)
			return
		}
	default:
		api.WriteErr(w, r, http.StatusMethodNotAllowed, "method %s not allowed on buckets", r.Method)
	}
}

// haveBucket reports whether bck exists on this target; when it does not,
// it answers 404 naming the bucket.
func (t *Target) haveBucket(w http.ResponseWriter, r *http.Request, bck string) bool {
	if t.store.BucketExists(bck) {
		return true
	}
	api.WriteErr(w, r, http.StatusNotFound, "bucket %q does not exist", bck)
	return false
}
