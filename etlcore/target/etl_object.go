package target

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/etl"
)

// handleETLObject serves /v1/etl/_object/<etl>/<secret>/<uname>: the
// transformer's access to objects. GET reads a local object (hpull without
// etl_fqn); PUT stores a direct-put result. The ETL secret authenticates.
func (t *Target) handleETLObject(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, api.PathETLObj)
	parts := strings.SplitN(rest, "/", 3)
	if len(parts) < 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		api.WriteErr(w, r, http.StatusBadRequest, "want %s<etl>/<secret>/<object uname>", api.PathETLObj)
		return
	}
	name, secret, uname := parts[0], parts[1], parts[2]
	e := t.getETL(name)
	if e == nil || !checkSecret(secret, e.secret) {
		api.WriteErr(w, r, http.StatusForbidden, "etl %q: unknown etl or wrong secret", name)
		return
	}
	if st, _ := e.getStage(); st == api.StageAborted {
		api.WriteErr(w, r, http.StatusForbidden, "etl %q is %s: its secret is no longer valid", name, st)
		return
	}
	bck, obj, err := etl.ParseUname(uname)
	if err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if !t.haveBucket(w, r, bck) {
			return
		}
		t.getObject(w, r, bck, obj, r.Method == http.MethodHead)
	case http.MethodPut:
		res, err := t.store.Put(bck, obj, r.Body, r.ContentLength)
		if err != nil {
			api.DrainBody(r) // the client gets the answer, not a broken pipe
			writeStoreErr(w, r, err)
			return
		}
		if id := r.URL.Query().Get(api.QparamUUID); id != "" {
			t.jobs.recordDirectPut(id, bck+"/"+obj, res.Size)
		}
		w.Header().Set(api.HdrChecksumValue, res.Checksum)
		w.Header().Set(api.HdrObjSize, strconv.FormatInt(res.Size, 10))
		w.WriteHeader(http.StatusOK)
	default:
		api.WriteErr(w, r, http.StatusMethodNotAllowed, "method %s not allowed on %s", r.Method, api.PathETLObj)
	}
}
