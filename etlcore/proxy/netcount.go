package proxy

import (
	"net"
	"net/http"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/netcount"
	"github.com/etlbench/etlbench/etlcore/runtime"
)

// countedServer wraps the proxy's listener and handler so that every
// connection's bytes are counted by class (see netcount.Classify).
func (p *Proxy) countedServer(ln net.Listener, h http.Handler) (net.Listener, *http.Server) {
	srv := &http.Server{
		Handler:           netcount.Handler(h, netcount.Classify(api.PathETLObj)),
		ReadHeaderTimeout: 10 * time.Second,
		ConnContext:       netcount.ConnContext,
	}
	return p.net.Listen(ln), srv
}

// writeCostMetrics writes the proxy's own CPU, memory and network counts.
func (p *Proxy) writeCostMetrics(w http.ResponseWriter) {
	runtime.WriteProcessMetrics(w, p.cfg.ID, "proxy")
	p.net.WritePrometheus(w, p.cfg.ID)
}
