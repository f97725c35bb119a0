package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/etlbench/etlbench/reports/result"
)

// SeriesStats are the statistics of one operation of one cell over its repeats.
type SeriesStats struct {
	Key     string            `json:"key"`
	Cell    string            `json:"cell"` // display name: the matrix axes
	Axes    map[string]string `json:"axes,omitempty"`
	Op      string            `json:"op"`
	Repeats int               `json:"repeats"`
	// OpsPerSec and MiBPerSec: median over repeats with a bootstrap CI.
	OpsPerSec Estimate `json:"ops_per_sec"`
	MiBPerSec Estimate `json:"mib_per_sec"`
	// LatencyUS: percentiles of the merged histograms of every repeat
	// (warm-up excluded), or the median over repeats of the summaries'
	// percentiles when there are no histograms (LatencySource says which).
	LatencyUS     result.Percentiles `json:"latency_us"`
	LatencySource string             `json:"latency_source"`
	Ops           int64              `json:"ops"`    // summed over repeats
	Errors        int64              `json:"errors"` // summed over repeats
	// Costs are CPU, memory and bytes per object (results with costs).
	Costs *CostStats `json:"costs,omitempty"`
}

// Latency sources.
const (
	SourceHistograms = "histograms"
	SourceSummary    = "summary"
)

// Speedup is the direct-put speedup of one cell without the direct_put axis:
// the median throughput with direct put on over the median with it off.
type Speedup struct {
	Cell  string            `json:"cell"` // the axes other than direct_put
	Axes  map[string]string `json:"axes,omitempty"`
	Op    string            `json:"op"`
	On    Estimate          `json:"on_ops_per_sec"`
	Off   Estimate          `json:"off_ops_per_sec"`
	Ratio Float             `json:"ratio"`
	Lo    Float             `json:"ci_lo"`
	Hi    Float             `json:"ci_hi"`
}

// ETLCost is the cost of inline ETL: an etl-get series against the plain
// get series of the same size.
type ETLCost struct {
	ETL        string   `json:"etl"` // series name of the etl-get
	Get        string   `json:"get"` // series name of the plain get
	ETLOps     Estimate `json:"etl_ops_per_sec"`
	GetOps     Estimate `json:"get_ops_per_sec"`
	Ratio      Float    `json:"throughput_ratio"` // etl-get / get ops/s (median)
	Lo         Float    `json:"ci_lo"`
	Hi         Float    `json:"ci_hi"`
	P50Ratio   Float    `json:"p50_ratio"` // etl-get p50 / get p50
	ETLLatency float64  `json:"etl_p50_us"`
	GetLatency float64  `json:"get_p50_us"`
}

// analysis is everything computed from one set of results.
type analysis struct {
	series   []*series
	stats    []SeriesStats
	hists    []*hdr.Histogram // merged latency histogram per series (nil when none)
	speedups []Speedup
	costs    []ETLCost
	nearData []NearData
	dpCosts  []DirectPutCost
	peers    []Peer
	notes    []string
}

// statsOptions are the knobs of the statistics.
type statsOptions struct {
	level     float64
	resamples int
	seed      int64
}

func (o statsOptions) norm() statsOptions {
	if o.level <= 0 || o.level >= 1 {
		o.level = 0.95
	}
	if o.resamples <= 0 {
		o.resamples = DefaultResamples
	}
	if o.seed == 0 {
		o.seed = 1
	}
	return o
}

func analyze(results []*result.Result, so statsOptions) (*analysis, error) {
	so = so.norm()
	if len(results) == 0 {
		return nil, fmt.Errorf("no results")
	}
	a := &analysis{series: groupSeries(results)}
	if len(a.series) == 0 {
		return nil, fmt.Errorf("no operation with any ops or errors in %d results", len(results))
	}
	a.notes = duplicateNotes(results)
	for _, s := range a.series {
		st, h, err := seriesStats(s, so)
		if err != nil {
			return nil, err
		}
		a.stats = append(a.stats, st)
		a.hists = append(a.hists, h)
	}
	var err error
	if a.speedups, err = speedups(a.series, so); err != nil {
		return nil, err
	}
	if a.costs, err = etlCosts(a, so); err != nil {
		return nil, err
	}
	a.nearData = nearData(a, so)
	a.dpCosts = directPutCosts(a, so)
	if a.peers, err = peers(a.series, so); err != nil {
		return nil, err
	}
	single := 0
	for _, st := range a.stats {
		if st.Repeats < 2 {
			single++
		}
	}
	if single > 0 {
		a.notes = append(a.notes, fmt.Sprintf("%d of %d series have a single repeat: their confidence intervals are that one value (run with --repeat 3 or more for real intervals)", single, len(a.stats)))
	}
	return a, nil
}

func seriesStats(s *series, so statsOptions) (SeriesStats, *hdr.Histogram, error) {
	st := SeriesStats{Key: s.key, Cell: s.cell, Axes: s.axes, Op: s.op, Repeats: len(s.results)}
	var ops, mibs []float64
	var lats []result.Percentiles
	for _, r := range s.results {
		smp, err := sampleOf(r, s.op)
		if err != nil {
			return st, nil, fmt.Errorf("cell %s, repeat %d: %w", s.cell, r.Repeat, err)
		}
		ops = append(ops, smp.opsPerSec)
		mibs = append(mibs, smp.mibPerSec)
		lats = append(lats, smp.lat)
		st.Ops += smp.ops
		st.Errors += smp.errors
	}
	seed := s.seed(so.seed)
	st.OpsPerSec = estimate(ops, so.level, so.resamples, seed)
	st.MiBPerSec = estimate(mibs, so.level, so.resamples, seed+1)
	st.Costs = seriesCosts(s, so)
	h := result.NewHist()
	found := false
	for _, r := range s.results {
		f, err := opHist(h, r, s.op, false)
		if err != nil {
			return st, nil, fmt.Errorf("cell %s, repeat %d: %w", s.cell, r.Repeat, err)
		}
		found = found || f
	}
	if found && h.TotalCount() > 0 {
		st.LatencyUS = result.HistPercentiles(h)
		st.LatencySource = SourceHistograms
		return st, h, nil
	}
	st.LatencyUS = medianPercentiles(lats)
	st.LatencySource = SourceSummary
	return st, nil, nil
}

func medianPercentiles(ps []result.Percentiles) result.Percentiles {
	pick := func(f func(result.Percentiles) float64) float64 {
		xs := make([]float64, len(ps))
		for i, p := range ps {
			xs[i] = f(p)
		}
		return Median(xs)
	}
	return result.Percentiles{
		P50:  pick(func(p result.Percentiles) float64 { return p.P50 }),
		P90:  pick(func(p result.Percentiles) float64 { return p.P90 }),
		P99:  pick(func(p result.Percentiles) float64 { return p.P99 }),
		P999: pick(func(p result.Percentiles) float64 { return p.P999 }),
		Max:  pick(func(p result.Percentiles) float64 { return p.Max }),
		Mean: pick(func(p result.Percentiles) float64 { return p.Mean }),
		Min:  pick(func(p result.Percentiles) float64 { return p.Min }),
	}
}

// duplicateNotes warns about two results of the same cell and repeat: the
// directory probably holds more than one run.
func duplicateNotes(results []*result.Result) []string {
	seen := map[string]int{}
	for _, r := range results {
		seen[fmt.Sprintf("%s#%d", CellKey(r), r.Repeat)]++
	}
	var dups []string
	for k, n := range seen {
		if n > 1 {
			dups = append(dups, k)
		}
	}
	if len(dups) == 0 {
		return nil
	}
	sort.Strings(dups)
	return []string{fmt.Sprintf("%d cell repeats appear more than once (e.g. %s): does the directory hold more than one run? All are used as samples.", len(dups), dups[0])}
}

// directPutPair is two series that differ only in the direct_put axis
// (indexes into the series): key names the rest of their axes and the op.
type directPutPair struct {
	key     string
	on, off int
}

// directPutPairs pairs the series that differ only in the direct_put axis,
// of those keep accepts, in the order of their first series; a series
// without its other half is left out.
func directPutPairs(all []*series, keep func(i int) bool) []directPutPair {
	at := map[string]int{}
	var pairs []directPutPair
	for i, s := range all {
		v, ok := s.axes[AxisDirectPut]
		if !ok || !keep(i) {
			continue
		}
		on, ok := parseBoolAxis(v)
		if !ok {
			continue
		}
		k := axesKey(without(s.axes, AxisDirectPut), " ") + "|" + s.op
		n, seen := at[k]
		if !seen {
			n = len(pairs)
			at[k] = n
			pairs = append(pairs, directPutPair{key: k, on: -1, off: -1})
		}
		if on {
			pairs[n].on = i
		} else {
			pairs[n].off = i
		}
	}
	return slices.DeleteFunc(pairs, func(p directPutPair) bool { return p.on < 0 || p.off < 0 })
}

// speedups pairs series that differ only in the direct_put axis.
func speedups(all []*series, so statsOptions) ([]Speedup, error) {
	m, _ := LookupMetric("ops_per_sec")
	var out []Speedup
	for _, p := range directPutPairs(all, func(int) bool { return true }) {
		on, off, err := seriesPair{a: all[p.on], b: all[p.off]}.values(m)
		if err != nil {
			return nil, err
		}
		rest := without(all[p.on].axes, AxisDirectPut)
		seed := hashSeed(so.seed, p.key)
		sp := Speedup{
			Cell: axesKey(without(rest, AxisOp), " "), Axes: rest, Op: all[p.on].op,
			On:  estimate(on, so.level, so.resamples, seed),
			Off: estimate(off, so.level, so.resamples, seed+1),
		}
		sp.Ratio = Float(ratio(sp.On.Median, sp.Off.Median))
		lo, hi := BootstrapRatioCI(on, off, so.level, so.resamples, seed+2)
		sp.Lo, sp.Hi = Float(lo), Float(hi)
		out = append(out, sp)
	}
	return out, nil
}

// etlCosts pairs every etl-get series with a plain get series: the get of
// the same cell (a mixed run), else the get whose axes other than comm,
// direct_put, transformer and op are the same (the same size).
func etlCosts(a *analysis, so statsOptions) ([]ETLCost, error) {
	reduce := func(s *series) string {
		return axesKey(without(s.axes, AxisComm, AxisDirectPut, AxisTransformer, AxisOp), " ")
	}
	var gets []int
	for i, s := range a.series {
		if s.op == result.OpGet {
			gets = append(gets, i)
		}
	}
	m, _ := LookupMetric("ops_per_sec")
	var out []ETLCost
	for i, s := range a.series {
		if s.op != result.OpETLGet {
			continue
		}
		gi := -1
		for _, j := range gets {
			if a.series[j].cellKey == s.cellKey {
				gi = j
				break
			}
		}
		if gi < 0 {
			for _, j := range gets {
				if reduce(a.series[j]) == reduce(s) {
					gi = j
					break
				}
			}
		}
		if gi < 0 {
			continue
		}
		g := a.series[gi]
		ev, err := s.values(m)
		if err != nil {
			return nil, err
		}
		gv, err := g.values(m)
		if err != nil {
			return nil, err
		}
		c := ETLCost{
			ETL: s.name(), Get: g.name(),
			ETLOps: a.stats[i].OpsPerSec, GetOps: a.stats[gi].OpsPerSec,
			ETLLatency: a.stats[i].LatencyUS.P50, GetLatency: a.stats[gi].LatencyUS.P50,
		}
		c.Ratio = Float(ratio(c.ETLOps.Median, c.GetOps.Median))
		lo, hi := BootstrapRatioCI(ev, gv, so.level, so.resamples, hashSeed(so.seed, s.key+"/"+g.key))
		c.Lo, c.Hi = Float(lo), Float(hi)
		c.P50Ratio = Float(ratio(c.ETLLatency, c.GetLatency))
		out = append(out, c)
	}
	return out, nil
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// Float is a float64 that encodes NaN and infinities as JSON null (a ratio
// with a zero denominator, a p-value that cannot be computed).
type Float float64

// MarshalJSON encodes f, or null when it is not finite.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

// UnmarshalJSON decodes a number, or null as NaN.
func (f *Float) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Float(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = Float(v)
	return nil
}
