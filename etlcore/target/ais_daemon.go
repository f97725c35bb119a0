package target

import (
	"net/http"

	"github.com/etlbench/etlbench/etlcore/api"
)

// handleDaemon serves AIStore's GET /v1/daemon?what=node_status for this
// target (the proxy forwards GET /v1/reverse/daemon here).
func (t *Target) handleDaemon(w http.ResponseWriter, r *http.Request) {
	switch what := r.URL.Query().Get(api.QparamWhat); what {
	case api.WhatNodeStatus, api.WhatNodeStats:
		var sm api.Smap
		if p := t.smap.Load(); p != nil {
			sm = *p
		}
		self := api.NodeInfo{ID: t.cfg.ID, Role: "target", URL: t.url, Alive: true}
		api.WriteJSON(w, api.NewAisNodeStatus(self, sm.Proxy, "", sm.Version, t.started, t.store.Mountpaths()))
	default:
		api.WriteErr(w, r, http.StatusBadRequest, "%s: unknown what=%q (a target answers node_status, node_stats)", r.URL.Path, what)
	}
}
