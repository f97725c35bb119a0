package proxy

import (
	"net"
	"net/http"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/runtime"
)

// countedServer wraps the proxy's listener and handler so that every
// connection's bytes are counted by class (see netcount.Classify).
func (p *Proxy) countedServer(ln net.Listener, h http.Handler) (net.Listener, *http.Server) {
	return p.net.Server(ln, h, api.PathETLObj)
}

// writeCostMetrics writes the proxy's own CPU, memory and network counts.
func (p *Proxy) writeCostMetrics(w http.ResponseWriter) {
	runtime.WriteProcessMetrics(w, p.cfg.ID, "proxy")
	p.net.WritePrometheus(w, p.cfg.ID)
}
