package proxy

import (
	"net/http"

	"github.com/etlbench/etlbench/etlcore/api"
)

// handleDaemon serves AIStore's node endpoint, GET /v1/daemon?what=...,
// and GET /v1/reverse/daemon?what=... for the node named by the
// Ais-Node-Id header (the proxy answers for its targets itself).
func (p *Proxy) handleDaemon(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		api.WriteErr(w, r, http.StatusMethodNotAllowed, "method %s not allowed on %s", r.Method, r.URL.Path)
		return
	}
	what := r.URL.Query().Get(api.QparamWhat)
	switch what {
	case api.WhatSmap:
		api.WriteJSON(w, p.aisSmap())
	case "":
		api.WriteErr(w, r, http.StatusBadRequest, "%s: missing query parameter what= (one of %s)", r.URL.Path, daemonWhats)
	default:
		api.WriteErr(w, r, http.StatusBadRequest, "%s: unknown what=%q (etlcore answers %s)", r.URL.Path, what, daemonWhats)
	}
}

const daemonWhats = "smap"

// aisSmap is the cluster map in AIStore's shape.
func (p *Proxy) aisSmap() *api.AisSmap {
	sm := p.Smap()
	p.mu.RLock()
	uuid, created := p.uuid, p.created
	p.mu.RUnlock()
	return sm.ToAis(uuid, created)
}
