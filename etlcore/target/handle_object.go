package target

import (
	"net/http"
	"strconv"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/cluster"
)

// handleObject serves /v1/objects/<bck>/<obj>.
func (t *Target) handleObject(w http.ResponseWriter, r *http.Request) {
	bck, obj, err := cluster.ObjFromPath(r.URL.Path, api.PathObjects)
	if err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	if !t.haveBucket(w, r, bck) {
		return
	}
	if t.redirectToOwner(w, r, bck, obj) {
		return
	}
	q := r.URL.Query()
	switch r.Method {
	case http.MethodGet:
		if q.Get(api.QparamETLName) != "" {
			t.inlineETL(w, r, q, bck, obj)
			return
		}
		t.getObject(w, r, bck, obj, false)
	case http.MethodHead:
		t.getObject(w, r, bck, obj, true)
	case http.MethodPut:
		if q.Get(api.QparamObjectTo) != "" || q.Get(api.QparamETLName) != "" {
			t.transformCopy(w, r, bck, obj)
			return
		}
		t.putObject(w, r, bck, obj)
	case http.MethodDelete:
		if err := t.store.Delete(bck, obj); err != nil {
			writeStoreErr(w, r, err)
			return
		}
		w.WriteHeader(http.StatusOK)
	default:
		w.Header().Set("Allow", "GET, HEAD, PUT, DELETE")
		api.WriteErr(w, r, http.StatusMethodNotAllowed, "method %s not allowed on objects", r.Method)
	}
}

// redirectToOwner answers 307 to the owner when this target does not own
// bck/obj (a client that called the wrong target directly).
func (t *Target) redirectToOwner(w http.ResponseWriter, r *http.Request, bck, obj string) bool {
	sm := t.smap.Load()
	if sm == nil || len(sm.Targets) == 0 {
		return false
	}
	owner, err := cluster.Owner(sm, bck, obj)
	if err != nil || owner.ID == t.cfg.ID {
		return false
	}
	if !owner.Alive {
		api.WriteErr(w, r, http.StatusServiceUnavailable, "target %s, the owner of %s/%s, is down", owner.ID, bck, obj)
		return true
	}
	http.Redirect(w, r, owner.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	return true
}

func (t *Target) getObject(w http.ResponseWriter, r *http.Request, bck, obj string, head bool) {
	f, fi, fqn, err := t.store.Open(bck, obj)
	if err != nil {
		writeStoreErr(w, r, err)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set(api.HdrObjSize, strconv.FormatInt(fi.Size(), 10))
	setAisObjAttrs(h, fi)
	if sum := Checksum(fqn); sum != "" {
		h.Set(api.HdrChecksumType, api.ChecksumXXHash)
		h.Set(api.HdrChecksumValue, sum)
	}
	if head {
		h.Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
		w.WriteHeader(http.StatusOK)
		return
	}
	// ServeContent handles Range requests and sends the file with sendfile.
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

func (t *Target) putObject(w http.ResponseWriter, r *http.Request, bck, obj string) {
	res, err := t.store.Put(bck, obj, r.Body, r.ContentLength)
	if err != nil {
		api.DrainBody(r) // the client gets the answer, not a broken pipe
		writeStoreErr(w, r, err)
		return
	}
	w.Header().Set(api.HdrChecksumType, api.ChecksumXXHash)
	w.Header().Set(api.HdrChecksumValue, res.Checksum)
	w.WriteHeader(http.StatusOK)
}
