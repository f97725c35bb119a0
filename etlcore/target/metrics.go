package target

import (
	"fmt"
	"net/http"
	goruntime "runtime"
	"sort"

	"github.com/etlbench/etlbench/etlcore/api"
)

// handleMetrics serves Prometheus text-format metrics: per-ETL counters.
func (t *Target) handleMetrics(w http.ResponseWriter, r *http.Request) {
	t.etls.mu.RLock()
	views := make([]api.TargetETL, 0, len(t.etls.etls))
	comms := map[string]string{}
	lat := map[string][2]int64{}
	for _, e := range t.etls.etls {
		views = append(views, e.view())
		comms[e.name] = e.spec.Communication
		lat[e.name] = [2]int64{e.latNanos.Load(), e.latCount.Load()}
	}
	t.etls.mu.RUnlock()
	sort.Slice(views, func(i, j int) bool { return views[i].Name < views[j].Name })
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	metric := func(name, help string, val func(v api.TargetETL) int64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", name, help, name)
		for _, v := range views {
			fmt.Fprintf(w, "%s{target=%q,etl=%q,comm=%q} %d\n", name, t.cfg.ID, v.Name, comms[v.Name], val(v))
		}
	}
	metric("etlcore_etl_objects_in_total", "Objects sent to the transformer.", func(v api.TargetETL) int64 { return v.Stats.ObjsIn })
	metric("etlcore_etl_objects_out_total", "Objects transformed.", func(v api.TargetETL) int64 { return v.Stats.ObjsOut })
	metric("etlcore_etl_bytes_in_total", "Bytes sent to the transformer.", func(v api.TargetETL) int64 { return v.Stats.BytesIn })
	metric("etlcore_etl_bytes_out_total", "Bytes the transformer produced.", func(v api.TargetETL) int64 { return v.Stats.BytesOut })
	metric("etlcore_etl_errors_total", "Objects that failed.", func(v api.TargetETL) int64 { return v.Stats.Errors })
	fmt.Fprintf(w, "# HELP etlcore_etl_latency_seconds_total Time objects spent in the transformer path, by mode.\n# TYPE etlcore_etl_latency_seconds_total counter\n")
	for _, v := range views {
		fmt.Fprintf(w, "etlcore_etl_latency_seconds_total{target=%q,etl=%q,comm=%q} %g\n", t.cfg.ID, v.Name, comms[v.Name], float64(lat[v.Name][0])/1e9)
	}
	fmt.Fprintf(w, "# HELP etlcore_etl_latency_observations_total Objects timed in etlcore_etl_latency_seconds_total.\n# TYPE etlcore_etl_latency_observations_total counter\n")
	for _, v := range views {
		fmt.Fprintf(w, "etlcore_etl_latency_observations_total{target=%q,etl=%q,comm=%q} %d\n", t.cfg.ID, v.Name, comms[v.Name], lat[v.Name][1])
	}
	fmt.Fprintf(w, "# HELP etlcore_goroutines Goroutines of the target process.\n# TYPE etlcore_goroutines gauge\netlcore_goroutines{target=%q} %d\n", t.cfg.ID, goruntime.NumGoroutine())
	fmt.Fprintf(w, "# HELP etlcore_etl_running Whether the ETL runs on this target.\n# TYPE etlcore_etl_running gauge\n")
	for _, v := range views {
		up := 0
		if v.Stage == "Running" {
			up = 1
		}
		fmt.Fprintf(w, "etlcore_etl_running{target=%q,etl=%q} %d\n", t.cfg.ID, v.Name, up)
	}
	t.writeCostMetrics(w, r)
}
