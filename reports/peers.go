package reports

import (
	"fmt"
	"io"
	"math"

	"github.com/etlbench/etlbench/reports/result"
)

// AxisCluster is the matrix axis that runs the same cells against etlcore
// and AIStore.
const AxisCluster = "cluster"

// The cluster axis values compared by the "etlcore vs AIStore" section.
const (
	PeerEtlcore = "etlcore"
	PeerAIStore = "aisnode"
)

// Peer is one cell and operation measured on etlcore and on AIStore: the
// ratios are etlcore's over AIStore's (medians over repeats, bootstrap
// intervals of the ratio).
type Peer struct {
	Cell    string            `json:"cell"` // the axes other than cluster and op
	Axes    map[string]string `json:"axes,omitempty"`
	Op      string            `json:"op"`
	Etlcore Estimate          `json:"etlcore_ops_per_sec"`
	AIStore Estimate          `json:"aistore_ops_per_sec"`
	Ratio   Float             `json:"throughput_ratio"`
	Lo      Float             `json:"ci_lo"`
	Hi      Float             `json:"ci_hi"`
	// P50 and P99 latency ratios (etlcore / AIStore; below 1: etlcore is
	// faster), of the repeats' percentiles.
	P50Ratio Float `json:"p50_ratio"`
	P50Lo    Float `json:"p50_ci_lo"`
	P50Hi    Float `json:"p50_ci_hi"`
	P99Ratio Float `json:"p99_ratio"`
	P99Lo    Float `json:"p99_ci_lo"`
	P99Hi    Float `json:"p99_ci_hi"`
	// CPU microseconds of the servers per operation (ServerCPU of the
	// results; N is 0 when the results have none).
	EtlcoreCPU Estimate `json:"etlcore_cpu_us_per_op"`
	AIStoreCPU Estimate `json:"aistore_cpu_us_per_op"`
	// EtlcoreCPUSource and AIStoreCPUSource say where the CPU came from:
	// "costs" (result.json's cost accounting) or "/proc" (server_cpu).
	EtlcoreCPUSource string `json:"etlcore_cpu_source,omitempty"`
	AIStoreCPUSource string `json:"aistore_cpu_source,omitempty"`
	// CoreRatio is etlcore's operations per server core-second over
	// AIStore's (AIStore's CPU per op / etlcore's; above 1: etlcore does
	// more work per core-second).
	CoreRatio Float `json:"ops_per_core_second_ratio"`
	CoreLo    Float `json:"ops_per_core_second_ci_lo"`
	CoreHi    Float `json:"ops_per_core_second_ci_hi"`
}

// peers pairs series that differ only in the cluster axis, etlcore against
// aisnode.
func peers(all []*series, so statsOptions) ([]Peer, error) {
	type pair struct{ e, a *series }
	pairs := map[string]*pair{}
	var order []string
	for _, s := range all {
		v := s.axes[AxisCluster]
		if v != PeerEtlcore && v != PeerAIStore {
			continue
		}
		k := axesKey(without(s.axes, AxisCluster), " ") + "|" + s.op
		p := pairs[k]
		if p == nil {
			p = &pair{}
			pairs[k] = p
			order = append(order, k)
		}
		if v == PeerEtlcore {
			p.e = s
		} else {
			p.a = s
		}
	}
	metric := func(name string) Metric { m, _ := LookupMetric(name); return m }
	var out []Peer
	for _, k := range order {
		p := pairs[k]
		if p.e == nil || p.a == nil {
			continue
		}
		seed := hashSeed(so.seed, "peers|"+k)
		rest := without(p.e.axes, AxisCluster)
		pr := Peer{Cell: axesKey(without(rest, AxisOp), " "), Axes: rest, Op: p.e.op}
		ratioOf := func(name string, sd uint64) (r, lo, hi Float, e, a []float64, err error) {
			if e, err = p.e.values(metric(name)); err != nil {
				return
			}
			if a, err = p.a.values(metric(name)); err != nil {
				return
			}
			r = Float(ratio(Median(e), Median(a)))
			l, h := BootstrapRatioCI(e, a, so.level, so.resamples, sd)
			lo, hi = Float(l), Float(h)
			return
		}
		var ev, av []float64
		var err error
		if pr.Ratio, pr.Lo, pr.Hi, ev, av, err = ratioOf("ops_per_sec", seed); err != nil {
			return nil, err
		}
		pr.Etlcore = estimate(ev, so.level, so.resamples, seed+1)
		pr.AIStore = estimate(av, so.level, so.resamples, seed+2)
		if pr.P50Ratio, pr.P50Lo, pr.P50Hi, _, _, err = ratioOf("p50", seed+3); err != nil {
			return nil, err
		}
		if pr.P99Ratio, pr.P99Lo, pr.P99Hi, _, _, err = ratioOf("p99", seed+4); err != nil {
			return nil, err
		}
		ec, esrc := cpuPerOp(p.e.results)
		ac, asrc := cpuPerOp(p.a.results)
		pr.EtlcoreCPUSource, pr.AIStoreCPUSource = esrc, asrc
		pr.EtlcoreCPU = estimate(ec, so.level, so.resamples, seed+5)
		pr.AIStoreCPU = estimate(ac, so.level, so.resamples, seed+6)
		pr.CoreRatio, pr.CoreLo, pr.CoreHi = Float(math.NaN()), Float(math.NaN()), Float(math.NaN())
		if len(ec) > 0 && len(ac) > 0 {
			pr.CoreRatio = Float(ratio(Median(ac), Median(ec)))
			l, h := BootstrapRatioCI(ac, ec, so.level, so.resamples, seed+7)
			pr.CoreLo, pr.CoreHi = Float(l), Float(h)
		}
		out = append(out, pr)
	}
	return out, nil
}

// cpuPerOp returns the servers' (proxies' and targets') CPU microseconds
// per operation of every result that has them, and where they came from:
// the cost accounting (result.json costs: every node measured) when it
// has them, else etlbench run's /proc reading (server_cpu).
func cpuPerOp(rs []*result.Result) ([]float64, string) {
	var out []float64
	srcs := map[string]bool{}
	for _, r := range rs {
		if us, ok := costsCPUPerOp(r.Costs); ok {
			out = append(out, us)
			srcs["costs"] = true
		} else if r.ServerCPU != nil && r.ServerCPU.Ops > 0 && r.ServerCPU.Seconds > 0 {
			out = append(out, 1e6*r.ServerCPU.PerOp())
			srcs["/proc"] = true
		}
	}
	src := ""
	for _, k := range []string{"costs", "/proc"} {
		if srcs[k] {
			if src != "" {
				src += "+"
			}
			src += k
		}
	}
	return out, src
}

// costsCPUPerOp is the proxies' and targets' CPU per object of c, when
// every one of them was measured.
func costsCPUPerOp(c *result.Costs) (float64, bool) {
	if c == nil || c.Objects <= 0 {
		return 0, false
	}
	sum, n := 0.0, 0
	for _, rc := range c.Roles {
		if rc.Role != result.RoleProxy && rc.Role != result.RoleTarget {
			continue
		}
		if rc.NotAvailable != "" {
			return 0, false
		}
		sum += rc.CPUSeconds
		n++
	}
	if n == 0 || sum <= 0 {
		return 0, false
	}
	return 1e6 * sum / float64(c.Objects), true
}

// writePeers writes the "etlcore vs AIStore" section of report.md.
func writePeers(w io.Writer, ps []Peer, pct string) {
	fmt.Fprintf(w, "## etlcore vs AIStore\n\n")
	fmt.Fprintf(w, "The same loader, data and cells against etlcore and against AIStore (aisnode), cells alternated in one run. "+
		"Ratios are etlcore's over AIStore's medians over repeats, %s bootstrap interval in brackets: throughput above 1 and latency below 1 favour etlcore. "+
		"CPU is the servers' (every proxy and target process, user + system) per operation over the measured window, warm-up excluded, "+
		"from the cost accounting in result.json where the nodes serve it (etlcore) and else from /proc (aisnode); the source is in brackets; "+
		"ops per core-second is AIStore's CPU per operation over etlcore's (above 1: etlcore does more per core-second).\n\n", pct)
	fmt.Fprintf(w, "| cell | op | etlcore ops/s | AIStore ops/s | throughput [%s CI] | p50 ratio | p99 ratio | etlcore CPU µs/op | AIStore CPU µs/op | ops per core-second [%s CI] |\n", pct, pct)
	fmt.Fprintf(w, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, p := range ps {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", mdEscape(orAll(p.Cell)), p.Op,
			fmtEst(p.Etlcore), fmtEst(p.AIStore), fmtRatio(float64(p.Ratio), float64(p.Lo), float64(p.Hi)),
			fmtRatio(float64(p.P50Ratio), float64(p.P50Lo), float64(p.P50Hi)), fmtRatio(float64(p.P99Ratio), float64(p.P99Lo), float64(p.P99Hi)),
			fmtEst(p.EtlcoreCPU)+srcNote(p.EtlcoreCPUSource), fmtEst(p.AIStoreCPU)+srcNote(p.AIStoreCPUSource), fmtRatio(float64(p.CoreRatio), float64(p.CoreLo), float64(p.CoreHi)))
	}
	fmt.Fprintln(w)
}

func srcNote(src string) string {
	if src == "" {
		return ""
	}
	return " (" + src + ")"
}
