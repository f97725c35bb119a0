package proxy

import (
	"fmt"
	"net/http"
	goruntime "runtime"

	"github.com/etlbench/etlbench/etlcore/api"
)

// handleMetrics serves the proxy's Prometheus text-format metrics: the
// cluster map, ETLs by stage, jobs and the proxy's own goroutines. Per-ETL
// object counters are on each target's /metrics.
func (p *Proxy) handleMetrics(w http.ResponseWriter, r *http.Request) {
	sm := p.Smap()
	alive := 0
	for _, t := range sm.Targets {
		if t.Alive {
			alive++
		}
	}
	stages := map[string]int{api.StageInitializing: 0, api.StageRunning: 0, api.StageAborted: 0}
	p.ctl.mu.Lock()
	for _, e := range p.ctl.etls {
		stages[e.Stage]++
	}
	p.ctl.mu.Unlock()
	p.ctl.jmu.Lock()
	jobs := len(p.ctl.jobs)
	p.ctl.jmu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintf(w, "# HELP etlcore_targets Targets in the cluster map.\n# TYPE etlcore_targets gauge\n")
	fmt.Fprintf(w, "etlcore_targets{state=\"alive\"} %d\netlcore_targets{state=\"down\"} %d\n", alive, len(sm.Targets)-alive)
	fmt.Fprintf(w, "# HELP etlcore_etls ETLs by stage.\n# TYPE etlcore_etls gauge\n")
	for _, st := range []string{api.StageInitializing, api.StageRunning, api.StageAborted} {
		fmt.Fprintf(w, "etlcore_etls{stage=%q} %d\n", st, stages[st])
	}
	fmt.Fprintf(w, "# HELP etlcore_jobs_total Offline jobs started.\n# TYPE etlcore_jobs_total counter\netlcore_jobs_total %d\n", jobs)
	fmt.Fprintf(w, "# HELP etlcore_goroutines Goroutines of the proxy process.\n# TYPE etlcore_goroutines gauge\netlcore_goroutines{proxy=%q} %d\n", p.cfg.ID, goruntime.NumGoroutine())
	p.writeCostMetrics(w)
}
