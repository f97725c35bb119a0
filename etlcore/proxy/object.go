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
	case http.MethodPut:
		drainPut(r)
	case http.MethodGet, http.MethodHead, http.MethodDelete:
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

// drainPut reads and drops the body of a PUT larger than what the Go
// server drains by itself (256 KiB) and at most api.MaxDrain, unless the
// client asked first (Expect: 100-continue, as this project's client does:
// it then sends nothing here). The proxy answers every object request
// without using the body, and a client still writing it when the server
// closes the connection would see a broken pipe instead of the redirect.
func drainPut(r *http.Request) {
	if r.Header.Get("Expect") != "" || r.ContentLength <= api.ExpectContinueMin {
		return
	}
	api.DrainBody(r)
}
