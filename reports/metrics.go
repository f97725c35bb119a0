package reports

import (
	"fmt"
	"strings"

	"github.com/etlbench/etlbench/reports/result"
)

const mib = 1 << 20

// sample is one repeat's numbers for one operation.
type sample struct {
	ops, errors int64
	opsPerSec   float64
	mibPerSec   float64
	lat         result.Percentiles   // microseconds
	costs       result.CostPerObject // the run's costs per object (zero without)
}

// sampleOf extracts op's numbers from r: from its summary, with latency
// from the histograms when the summary has none; without a summary of op,
// everything from the (non warm-up) intervals.
func sampleOf(r *result.Result, op string) (sample, error) {
	out, err := sampleOfOp(r, op)
	if r.Costs != nil {
		out.costs = r.Costs.PerObject
	}
	return out, err
}

func sampleOfOp(r *result.Result, op string) (sample, error) {
	if s, ok := r.Summary[op]; ok {
		out := sample{ops: s.Ops, errors: s.Errors, opsPerSec: s.OpsPerSec, mibPerSec: s.MiBPerSec, lat: s.LatencyUS}
		if out.lat != (result.Percentiles{}) {
			return out, nil
		}
		return out, out.latencyFromHist(r, op)
	}
	var out sample
	var bytesIn, bytesOut int64
	var secs float64
	for i, o := range r.OpIntervals(op, false) {
		iv := r.Intervals[i]
		out.ops += o.Ops
		out.errors += o.Errors
		bytesIn += o.BytesIn
		bytesOut += o.BytesOut
		secs += iv.End.Sub(iv.Start).Seconds()
	}
	if secs > 0 {
		out.opsPerSec = float64(out.ops) / secs
		out.mibPerSec = float64(max(bytesIn, bytesOut)) / mib / secs
	}
	return out, out.latencyFromHist(r, op)
}

// latencyFromHist sets s's latency percentiles from op's histograms in r,
// when r has any.
func (s *sample) latencyFromHist(r *result.Result, op string) error {
	h := result.NewHist()
	found, err := opHist(h, r, op, false)
	if found && err == nil {
		s.lat = result.HistPercentiles(h)
	}
	return err
}

// Metric is a number a gate or comparison looks at, per repeat.
type Metric struct {
	Name           string // ops_per_sec, mib_per_sec, p50, p90, p99, p999
	Label          string // for tables
	Unit           string
	HigherIsBetter bool
	get            func(sample) float64
}

// Metrics are the metrics known to compare and gate.
var Metrics = []Metric{
	{"ops_per_sec", "ops/s", "ops/s", true, func(s sample) float64 { return s.opsPerSec }},
	{"mib_per_sec", "MiB/s", "MiB/s", true, func(s sample) float64 { return s.mibPerSec }},
	{"p50", "p50", "us", false, func(s sample) float64 { return s.lat.P50 }},
	{"p90", "p90", "us", false, func(s sample) float64 { return s.lat.P90 }},
	{"p99", "p99", "us", false, func(s sample) float64 { return s.lat.P99 }},
	{"p999", "p99.9", "us", false, func(s sample) float64 { return s.lat.P999 }},
	// Costs per object (docs/costs.md): lower is better.
	{"target_cpu_us", "target CPU/obj", "us", false, func(s sample) float64 { return s.costs.CPUUS[result.GroupTargets] }},
	{"transformer_cpu_us", "transformer CPU/obj", "us", false, func(s sample) float64 { return s.costs.CPUUS[result.GroupTransformers] }},
	{"cluster_cpu_us", "cluster CPU/obj", "us", false, func(s sample) float64 { return s.costs.CPUUS[result.GroupCluster] }},
	{"loader_cpu_us", "loader CPU/obj", "us", false, func(s sample) float64 { return s.costs.CPUUS[result.RoleLoader] }},
	{"client_link_bytes", "client link B/obj", "B", false, func(s sample) float64 { return s.costs.ClientLinkBytes }},
	{"node_link_bytes", "node links B/obj", "B", false, func(s sample) float64 { return s.costs.NodeLinkBytes }},
}

// DefaultGateMetrics are the metrics a gate checks when none are named.
var DefaultGateMetrics = []string{"ops_per_sec", "p99"}

// LookupMetric returns the metric of that name ("p99.9" is accepted for p999).
func LookupMetric(name string) (Metric, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "p99.9" {
		n = "p999"
	}
	for _, m := range Metrics {
		if m.Name == n {
			return m, nil
		}
	}
	names := make([]string, len(Metrics))
	for i, m := range Metrics {
		names[i] = m.Name
	}
	return Metric{}, fmt.Errorf("unknown metric %q (known: %s)", name, strings.Join(names, ", "))
}

// values returns metric m of every repeat of s.
func (s *series) values(m Metric) ([]float64, error) {
	out := make([]float64, 0, len(s.results))
	for _, r := range s.results {
		smp, err := sampleOf(r, s.op)
		if err != nil {
			return nil, fmt.Errorf("cell %s, repeat %d: %w", s.cell, r.Repeat, err)
		}
		out = append(out, m.get(smp))
	}
	return out, nil
}
