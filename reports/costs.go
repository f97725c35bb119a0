package reports

import (
	"math"
	"sort"

	"github.com/etlbench/etlbench/reports/result"
)

// CostStats are one series' costs per object over its repeats: medians
// with bootstrap intervals, as for throughput. A run measuring two
// operations (mixed) gives both series the run's costs.
type CostStats struct {
	Repeats int `json:"repeats"` // repeats with costs
	// CPUUSPerObject and CPUUSPerMiB by role group: proxy, targets,
	// transformers, loader, cluster.
	CPUUSPerObject map[string]Estimate `json:"cpu_us_per_object"`
	CPUUSPerMiB    map[string]Estimate `json:"cpu_us_per_mib"`
	// Bytes per object over the client link, between nodes, and between
	// targets and their own transformers.
	ClientLinkBytes  Estimate `json:"client_link_bytes_per_object"`
	NodeLinkBytes    Estimate `json:"node_link_bytes_per_object"`
	TransformerBytes Estimate `json:"transformer_bytes_per_object"`
	// PeakRSSBytes is the largest peak of one process of each role over
	// the repeats.
	PeakRSSBytes map[string]int64 `json:"peak_rss_bytes"`
	// OutBytesPerObject is what the operation produced per object (its
	// bytes received, or for offline jobs the transformed bytes).
	OutBytesPerObject float64 `json:"out_bytes_per_object"`
	// DstRemoteShare is the median share of objects whose destination
	// another target owns (copies and offline jobs).
	DstRemoteShare Float    `json:"dst_remote_share,omitempty"`
	Network        string   `json:"network"`
	NotAvailable   []string `json:"not_available,omitempty"`
}

// costGroups are the role groups shown, in order.
var costGroups = []string{result.RoleProxy, result.GroupTargets, result.GroupTransformers, result.RoleLoader, result.GroupCluster}

// costValues are one metric of a series' costs per repeat.
func costValues(s *series, f func(*result.Costs) float64) []float64 {
	var out []float64
	for _, r := range s.results {
		if r.Costs != nil && r.Costs.Objects > 0 {
			out = append(out, f(r.Costs))
		}
	}
	return out
}

// seriesCosts computes s's CostStats; nil when no repeat has costs.
func seriesCosts(s *series, so statsOptions) *CostStats {
	n := len(costValues(s, func(*result.Costs) float64 { return 0 }))
	if n == 0 {
		return nil
	}
	seed := hashSeed(so.seed, s.key+"/costs")
	est := func(i uint64, f func(*result.Costs) float64) Estimate {
		return estimate(costValues(s, f), so.level, so.resamples, seed+i)
	}
	cs := &CostStats{Repeats: n, CPUUSPerObject: map[string]Estimate{}, CPUUSPerMiB: map[string]Estimate{}, PeakRSSBytes: map[string]int64{}}
	for i, g := range costGroups {
		if len(costValues(s, func(c *result.Costs) float64 { return c.PerObject.CPUUS[g] })) == 0 {
			continue
		}
		cs.CPUUSPerObject[g] = est(uint64(2*i), func(c *result.Costs) float64 { return c.PerObject.CPUUS[g] })
		cs.CPUUSPerMiB[g] = est(uint64(2*i+1), func(c *result.Costs) float64 { return c.PerObject.CPUUSPerMiB[g] })
	}
	cs.ClientLinkBytes = est(20, func(c *result.Costs) float64 { return c.PerObject.ClientLinkBytes })
	cs.NodeLinkBytes = est(21, func(c *result.Costs) float64 { return c.PerObject.NodeLinkBytes })
	cs.TransformerBytes = est(22, func(c *result.Costs) float64 { return c.PerObject.TransformerBytes })
	var outs, shares []float64
	seen := map[string]bool{}
	for _, r := range s.results {
		if r.Costs == nil {
			continue
		}
		cs.Network = r.Costs.Network
		for _, rc := range r.Costs.Roles {
			if rc.PeakRSSBytes > cs.PeakRSSBytes[rc.Role] {
				cs.PeakRSSBytes[rc.Role] = rc.PeakRSSBytes
			}
		}
		for _, na := range r.Costs.NotAvailable {
			if !seen[na] {
				seen[na] = true
				cs.NotAvailable = append(cs.NotAvailable, na)
			}
		}
		if sm, ok := r.Summary[s.op]; ok && sm.Ops > 0 {
			outs = append(outs, float64(sm.BytesOut)/float64(sm.Ops))
		}
		if r.Costs.DstRemoteShare != nil {
			shares = append(shares, *r.Costs.DstRemoteShare)
		}
	}
	cs.OutBytesPerObject = Median(outs)
	cs.DstRemoteShare = Float(math.NaN())
	if len(shares) > 0 {
		cs.DstRemoteShare = Float(Median(shares))
	}
	sort.Strings(cs.NotAvailable)
	return cs
}

// NearData compares near-data ETL with its client-side twin of the same
// transformer and size: inline (etl-get) against client-etl-get, offline
// (etl-bucket, etl-multi, etl-copy) against client-etl-copy.
type NearData struct {
	Near   string `json:"near"`   // series name of the near-data ETL
	Client string `json:"client"` // series name of the client-side twin
	// Throughput: near-data ops/s over client-side ops/s.
	NearOps    Estimate `json:"near_ops_per_sec"`
	ClientOps  Estimate `json:"client_ops_per_sec"`
	Throughput Float    `json:"throughput_ratio"`
	ThrLo      Float    `json:"throughput_ci_lo"`
	ThrHi      Float    `json:"throughput_ci_hi"`
	// Bytes over the client link per object: near-data over client-side.
	NearBytes   Estimate `json:"near_client_link_bytes"`
	ClientBytes Estimate `json:"client_client_link_bytes"`
	Bytes       Float    `json:"bytes_ratio"`
	BytesLo     Float    `json:"bytes_ci_lo"`
	BytesHi     Float    `json:"bytes_ci_hi"`
	// OutShare is the transform's output over its input per object (1 for
	// echo; tiny for md5): what near-data can save on the client link.
	OutShare Float `json:"out_share"`
}

// nearDataTwin is the client-side op that near-data op is compared with.
func nearDataTwin(op string) string {
	switch op {
	case result.OpETLGet:
		return result.OpClientETLGet
	case result.OpETLBucket, result.OpETLMulti, result.OpETLCopy:
		return result.OpClientETLCopy
	}
	return ""
}

// nearData pairs near-data series with their client-side twins (same
// transformer and size; comm and direct_put are the near-data side's own).
func nearData(a *analysis, so statsOptions) []NearData {
	key := func(s *series) string {
		return axesKey(without(s.axes, AxisComm, AxisDirectPut, AxisOp), " ")
	}
	m, _ := LookupMetric("ops_per_sec")
	var out []NearData
	for i, s := range a.series {
		twin := nearDataTwin(s.op)
		if twin == "" {
			continue
		}
		for j, c := range a.series {
			if c.op != twin || key(c) != key(s) {
				continue
			}
			nv, err1 := s.values(m)
			cv, err2 := c.values(m)
			if err1 != nil || err2 != nil {
				continue
			}
			seed := hashSeed(so.seed, s.key+"/near/"+c.key)
			nd := NearData{Near: s.name(), Client: c.name(), NearOps: a.stats[i].OpsPerSec, ClientOps: a.stats[j].OpsPerSec}
			nd.Throughput = Float(ratio(nd.NearOps.Median, nd.ClientOps.Median))
			lo, hi := BootstrapRatioCI(nv, cv, so.level, so.resamples, seed)
			nd.ThrLo, nd.ThrHi = Float(lo), Float(hi)
			nd.Bytes, nd.BytesLo, nd.BytesHi = Float(math.NaN()), Float(math.NaN()), Float(math.NaN())
			nd.OutShare = Float(math.NaN())
			if sc, cc := a.stats[i].Costs, a.stats[j].Costs; sc != nil && cc != nil {
				nd.NearBytes, nd.ClientBytes = sc.ClientLinkBytes, cc.ClientLinkBytes
				nd.Bytes = Float(ratio(sc.ClientLinkBytes.Median, cc.ClientLinkBytes.Median))
				nb := costValues(s, func(x *result.Costs) float64 { return x.PerObject.ClientLinkBytes })
				cb := costValues(c, func(x *result.Costs) float64 { return x.PerObject.ClientLinkBytes })
				lo, hi := BootstrapRatioCI(nb, cb, so.level, so.resamples, seed+1)
				nd.BytesLo, nd.BytesHi = Float(lo), Float(hi)
				if in := cc.OutBytesPerObject; in > 0 && s.op == result.OpETLGet {
					nd.OutShare = Float(sc.OutBytesPerObject / in)
				}
			}
			out = append(out, nd)
		}
	}
	return out
}

// DirectPutCost is the cost view of a direct-put pair: bytes and target CPU
// per object with direct put on and off, and what the hop model predicts.
type DirectPutCost struct {
	Cell string `json:"cell"`
	Op   string `json:"op"`
	// Per object, on and off: bytes between nodes, bytes on the targets'
	// transformer connections, targets' CPU microseconds.
	NodeOn    Estimate `json:"node_link_bytes_on"`
	NodeOff   Estimate `json:"node_link_bytes_off"`
	TfOn      Estimate `json:"transformer_bytes_on"`
	TfOff     Estimate `json:"transformer_bytes_off"`
	TargetOn  Estimate `json:"target_cpu_us_on"`
	TargetOff Estimate `json:"target_cpu_us_off"`
	// TargetCPURatio: targets' CPU per object, on over off, with interval.
	TargetCPURatio Float `json:"target_cpu_ratio"`
	TargetCPULo    Float `json:"target_cpu_ci_lo"`
	TargetCPUHi    Float `json:"target_cpu_ci_hi"`
	// ModelNodeOn and ModelNodeOff are the hop model's node-link bytes per
	// object: the share of objects whose destination another target owns
	// x output per object (either way: direct put changes who sends, not
	// what crosses). ModelSaved is what direct put takes off the source
	// targets' transformer connections per object: the results that
	// went to another target no longer come back to the source first.
	ModelNodeOn  Float `json:"model_node_link_bytes_on"`
	ModelNodeOff Float `json:"model_node_link_bytes_off"`
	ModelSaved   Float `json:"model_transformer_bytes_saved"`
	// Deviations of the measured from the model (measured/model - 1).
	DevNodeOn  Float `json:"dev_node_on"`
	DevNodeOff Float `json:"dev_node_off"`
	DevSaved   Float `json:"dev_saved"`
}

// routesResults reports whether op sends its results to a destination
// target, the only place direct put applies.
func routesResults(op string) bool {
	return op == result.OpETLBucket || op == result.OpETLMulti || op == result.OpETLCopy
}

// hopModel is the bytes per object that must cross a node link: the
// share of objects owned elsewhere x output per object.
func hopModel(c *CostStats) (float64, bool) {
	share := float64(c.DstRemoteShare)
	if math.IsNaN(share) || c.OutBytesPerObject <= 0 {
		return 0, false
	}
	return share * c.OutBytesPerObject, true
}

// directPutCosts gives the cost view of every direct-put pair whose
// series have costs.
func directPutCosts(a *analysis, so statsOptions) []DirectPutCost {
	var out []DirectPutCost
	keep := func(i int) bool { return a.stats[i].Costs != nil && routesResults(a.series[i].op) }
	for _, p := range directPutPairs(a.series, keep) {
		on, off := a.stats[p.on].Costs, a.stats[p.off].Costs
		s := a.series[p.on]
		d := DirectPutCost{
			Cell: axesKey(without(s.axes, AxisDirectPut, AxisOp), " "), Op: s.op,
			NodeOn: on.NodeLinkBytes, NodeOff: off.NodeLinkBytes,
			TfOn: on.TransformerBytes, TfOff: off.TransformerBytes,
			TargetOn: on.CPUUSPerObject[result.GroupTargets], TargetOff: off.CPUUSPerObject[result.GroupTargets],
		}
		d.TargetCPURatio = Float(ratio(d.TargetOn.Median, d.TargetOff.Median))
		tOn := costValues(a.series[p.on], func(c *result.Costs) float64 { return c.PerObject.CPUUS[result.GroupTargets] })
		tOff := costValues(a.series[p.off], func(c *result.Costs) float64 { return c.PerObject.CPUUS[result.GroupTargets] })
		lo, hi := BootstrapRatioCI(tOn, tOff, so.level, so.resamples, hashSeed(so.seed, p.key+"/dpcost"))
		d.TargetCPULo, d.TargetCPUHi = Float(lo), Float(hi)
		nan := Float(math.NaN())
		d.ModelNodeOn, d.ModelNodeOff, d.ModelSaved, d.DevNodeOn, d.DevNodeOff, d.DevSaved = nan, nan, nan, nan, nan, nan
		if model, ok := hopModel(on); ok {
			d.ModelNodeOn, d.ModelSaved = Float(model), Float(model)
			d.DevNodeOn = Float(ratio(d.NodeOn.Median, model) - 1)
			d.DevSaved = Float(ratio(d.TfOff.Median-d.TfOn.Median, model) - 1)
		}
		if model, ok := hopModel(off); ok {
			d.ModelNodeOff = Float(model)
			d.DevNodeOff = Float(ratio(d.NodeOff.Median, model) - 1)
		}
		out = append(out, d)
	}
	return out
}
