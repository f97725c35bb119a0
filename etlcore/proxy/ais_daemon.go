package proxy

import (
	"encoding/json"
	"net/http"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/prefixmux"
)

// aisRoutes adds the endpoints that only AIStore's own clients use.
func (p *Proxy) aisRoutes(mux *prefixmux.Mux) {
	mux.HandleFunc(api.PathBucketList, p.handleBucketList)
	mux.HandleFunc(api.PathDaemon, p.handleDaemon)
	mux.HandleFunc(api.PathReverseDaemon, p.handleDaemon)
	// AIStore's downloader and dsort jobs, which etlcore does not run:
	// listing them answers none.
	none := func(w http.ResponseWriter, r *http.Request) { api.WriteJSON(w, []string{}) }
	mux.HandleFunc(api.PathDownload, none)
	mux.HandleFunc(api.PathSort, none)
}

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
	case api.WhatNodeStatus, api.WhatNodeStats:
		p.nodeStatus(w, r)
	case api.WhatClusterConfig, api.WhatNodeConfig:
		api.WriteJSON(w, p.aisClusterConfig())
	case api.WhatBackends:
		api.WriteJSON(w, []string{})
	case "":
		api.WriteErr(w, r, http.StatusBadRequest, "%s: missing query parameter what= (one of %s)", r.URL.Path, daemonWhats)
	default:
		api.WriteErr(w, r, http.StatusBadRequest, "%s: unknown what=%q (etlcore answers %s)", r.URL.Path, what, daemonWhats)
	}
}

const daemonWhats = "smap, node_status, node_stats, cluster_config, config, backends"

// aisSmap is the cluster map in AIStore's shape.
func (p *Proxy) aisSmap() *api.AisSmap {
	sm := p.Smap()
	p.mu.RLock()
	uuid, created := p.uuid, p.created
	p.mu.RUnlock()
	return sm.ToAis(uuid, created)
}

// nodeStatus answers AIStore's node_status for the node named by the
// Ais-Node-Id header (the proxy itself when there is none): the proxy's
// own, or another node's (a target or another proxy), asked of it.
func (p *Proxy) nodeStatus(w http.ResponseWriter, r *http.Request) {
	sm := p.Smap()
	id := r.Header.Get(api.HdrNodeID)
	p.mu.RLock()
	uuid := p.uuid
	p.mu.RUnlock()
	if id == "" || id == p.cfg.ID {
		self := api.NodeInfo{ID: p.cfg.ID, Role: "proxy", URL: p.url, Alive: true}
		api.WriteJSON(w, api.NewAisNodeStatus(self, sm.Proxy, uuid, sm.Version, p.started, nil))
		return
	}
	var node *api.NodeInfo
	for _, n := range append(sm.AllProxies(), sm.Targets...) {
		if n.ID == id {
			node = &n
		}
	}
	if node == nil {
		api.WriteErr(w, r, http.StatusNotFound, "node %q (%s header) is not in the cluster map", id, api.HdrNodeID)
		return
	}
	if !node.Alive {
		api.WriteErr(w, r, http.StatusServiceUnavailable, "%s %s is down", node.Role, id)
		return
	}
	rp := p.broadcast(r.Context(), []api.NodeInfo{*node}, http.MethodGet, api.PathDaemon+"?"+api.QparamWhat+"="+api.WhatNodeStatus, nil)[0]
	if rp.failed() {
		api.WriteErr(w, r, http.StatusBadGateway, "node status of %s: %s", id, rp.errString())
		return
	}
	var st api.AisNodeStatus
	if err := json.Unmarshal(rp.body, &st); err != nil {
		api.WriteErr(w, r, http.StatusBadGateway, "node status of %s: %v", id, err)
		return
	}
	st.Cluster.Smap.UUID = uuid
	api.WriteJSON(w, &st)
}

// aisClusterConfig is the part of AIStore's cluster configuration that its
// clients read (and dereference) from an etlcore cluster: checksums
// (xxhash2, kept on PUT, not validated on GET), no mirroring, erasure
// coding, LRU or versioning, no authentication, no backends; capacity
// watermarks as AIStore's defaults.
func (p *Proxy) aisClusterConfig() map[string]any {
	type m = map[string]any
	p.mu.RLock()
	uuid := p.uuid
	p.mu.RUnlock()
	off := m{"enabled": false}
	return m{
		"uuid":         uuid,
		"write_policy": m{"data": "immediate", "md": "immediate"},
		"checksum": m{"type": api.ChecksumXXHash, "validate_cold_get": false, "validate_warm_get": false,
			"validate_obj_move": false, "enable_read_range": false},
		"mirror":     m{"copies": 1, "burst_buffer": 512, "enabled": false},
		"ec":         m{"objsize_limit": 262144, "data_slices": 1, "parity_slices": 1, "enabled": false, "compression": "never"},
		"lru":        m{"dont_evict_time": "2h0m", "capacity_upd_time": "10m", "batch_size": 32768, "enabled": false},
		"chunks":     m{"objsize_limit": "0B", "max_monolithic_size": "1TiB", "chunk_size": "1GiB"},
		"rate_limit": m{"backend": off, "frontend": off},
		"space":      m{"cleanupwm": 65, "lowwm": 75, "highwm": 90, "out_of_space": 95},
		"versioning": off,
		"rebalance":  off,
		"resilver":   off,
		"auth":       m{"client_auth_required": false},
		"backend":    m{},
		"features":   "0",
		"proxy":      m{"primary_url": p.url, "original_url": p.url},
	}
}
