package proxy

import (
	"net/http"

	"github.com/etlbench/etlbench/etlcore/api"
)

// handleClusterWhat serves GET /v1/cluster?what=...: without what=,
// etlcore's own cluster map; with what=, AIStore's cluster queries. An
// unknown what= is a 400 that names it.
func (p *Proxy) handleClusterWhat(w http.ResponseWriter, r *http.Request) {
	switch what := r.URL.Query().Get(api.QparamWhat); what {
	case "":
		api.WriteJSON(w, p.Smap())
	case api.WhatSmap:
		api.WriteJSON(w, p.aisSmap())
	case api.WhatXactStatus, api.WhatXactStatusAll, api.WhatXactQuery, api.WhatXactStats, api.WhatXactRunning:
		p.ctl.handleXactWhat(w, r, what)
	case api.WhatClusterConfig:
		api.WriteJSON(w, p.aisClusterConfig())
	case api.WhatBackends:
		api.WriteJSON(w, []string{})
	default:
		api.WriteErr(w, r, http.StatusBadRequest, "%s: unknown what=%q (etlcore answers %s)", r.URL.Path, what, clusterWhats)
	}
}

const clusterWhats = "smap, status, status_all, qryxstats, getxstats, running_all, cluster_config, backends"
