package target

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/netcount"
	"github.com/etlbench/etlbench/etlcore/runtime"
)

// countedServer wraps the target's listener and handler so that every
// connection's bytes are counted by class (see netcount.Classify).
func (t *Target) countedServer(ln net.Listener, h http.Handler) (net.Listener, *http.Server) {
	return t.net.Server(ln, h, api.PathETLObj)
}

// transformerDial dials the target's connections to its transformers,
// counted under netcount.Transformer.
func (t *Target) transformerDial() func(ctx context.Context, network, addr string) (net.Conn, error) {
	return t.net.DialContext(netcount.Transformer, &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second})
}

// writeCostMetrics writes the target's own CPU, memory and network
// counts, and each transformer's CPU and memory.
func (t *Target) writeCostMetrics(w http.ResponseWriter, r *http.Request) {
	runtime.WriteProcessMetrics(w, t.cfg.ID, "target")
	t.net.WritePrometheus(w, t.cfg.ID)
	t.etls.mu.RLock()
	insts := map[string]runtime.Instance{}
	for name, e := range t.etls.etls {
		if e.inst != nil {
			insts[name] = e.inst
		}
	}
	t.etls.mu.RUnlock()
	if len(insts) == 0 {
		return
	}
	w.Write([]byte("# HELP etlcore_transformer_cpu_seconds_total CPU time (user+system) of a transformer and its children.\n# TYPE etlcore_transformer_cpu_seconds_total counter\n"))
	for name, inst := range insts {
		m, err := inst.Metrics(r.Context())
		runtime.WriteTransformerMetrics(w, t.cfg.ID, name, m, err)
	}
}
