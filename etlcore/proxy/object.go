package proxy

import (
	"net/http"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/cluster"
)

// handleObject redirects an object request to the owner target (307, so
// the method and body are kept), or fails fast when the owner is down.
func (p *Proxy) handleObject(w http.ResponseWriter, r *http.Request) {
	bck, obj, err := cluster.ObjFromPath(r.URL.Path, api.PathObjects)
	if err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete:
	default:
		w.Header().Set("Allow", "GET, HEAD, PUT, DELETE")
		api.WriteErr(w, r, http.StatusMethodNotAllowed, "method %s not allowed on objects", r.Method)
		return
	}
	if !p.bucketExists(bck) {
		api.WriteErr(w, r, http.StatusNotFound, "bucket %q does not exist", bck)
		return
	}
	sm := p.Smap()
	owner, err := cluster.Owner(&sm, bck, obj)
	if err != nil {
		api.WriteErr(w, r, http.StatusServiceUnavailable, "%v", err)
		return
	}
	if !owner.Alive {
		api.WriteErr(w, r, http.StatusServiceUnavailable, "target %s, the owner of %s/%s, is down", owner.ID, bck, obj)
		return
	}
	http.Redirect(w, r, owner.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
}
