package reports

import (
	"fmt"
	"io"
	"math"

	"github.com/etlbench/etlbench/reports/result"
)

// fmtCostUS renders CPU microseconds per object (median only; "-" when
// that role did not run).
func fmtCostUS(e Estimate) string {
	if e.N == 0 {
		return "-"
	}
	return fmtLat(e.Median)
}

// fmtBytes renders a byte count readably.
func fmtBytes(b float64) string {
	a := math.Abs(b)
	switch {
	case math.IsNaN(b):
		return "n/a"
	case a >= 1<<30:
		return fmt.Sprintf("%.2f GiB", b/(1<<30))
	case a >= 1<<20:
		return fmt.Sprintf("%.2f MiB", b/(1<<20))
	case a >= 1<<10:
		return fmt.Sprintf("%.1f KiB", b/(1<<10))
	}
	return fmt.Sprintf("%.0f B", b)
}

// fmtBytesEst renders bytes per object (median only).
func fmtBytesEst(e Estimate) string {
	if e.N == 0 {
		return "n/a"
	}
	return fmtBytes(e.Median)
}

// fmtEstWith renders e, median [lo, hi], with f; none when e is empty.
func fmtEstWith(e Estimate, f func(float64) string, none string) string {
	if e.N == 0 {
		return none
	}
	if e.N == 1 || e.Lo == e.Hi {
		return f(e.Median)
	}
	return fmt.Sprintf("%s [%s, %s]", f(e.Median), f(e.Lo), f(e.Hi))
}

// fmtBytesCI renders bytes per object with the interval.
func fmtBytesCI(e Estimate) string { return fmtEstWith(e, fmtBytes, "n/a") }

// fmtUSCI renders CPU microseconds per object with the interval.
func fmtUSCI(e Estimate) string { return fmtEstWith(e, fmtLat, "-") }

func fmtDev(f Float) string {
	if math.IsNaN(float64(f)) {
		return "n/a"
	}
	return fmt.Sprintf("%+.1f%%", 100*float64(f))
}

// writeCostSections writes the costs per object, the near-data against
// client-side comparison and the cost view of direct put.
func writeCostSections(w io.Writer, rep *Report, pct string) {
	has := false
	for _, s := range rep.Series {
		has = has || s.Costs != nil
	}
	if !has {
		return
	}
	fmt.Fprintf(w, "## Costs per object\n\n")
	fmt.Fprintf(w, "What one object cost over the measured window (warm-up excluded): CPU (user+system) of each role, and the bytes that crossed "+
		"the client link (loader and cluster, both ways), went between nodes, and between targets and their own transformers. "+
		"Median over repeats, %s bootstrap interval in brackets. These hold on a busy machine where throughput does not: "+
		"a process's CPU time per object does not depend on how many other processes share the cores.\n\n", pct)
	fmt.Fprintf(w, "| cell | op | ops/s | targets CPU/obj | transformers CPU/obj | proxy CPU/obj | loader CPU/obj | cluster CPU/MiB | client link B/obj | node links B/obj | transformer conns B/obj | peak RSS target |\n")
	fmt.Fprintf(w, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	var na []string
	for _, s := range rep.Series {
		c := s.Costs
		if c == nil {
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", mdEscape(s.Cell), s.Op, fmtEst(s.OpsPerSec),
			fmtUSCI(c.CPUUSPerObject[result.GroupTargets]), fmtUSCI(c.CPUUSPerObject[result.GroupTransformers]),
			fmtCostUS(c.CPUUSPerObject[result.RoleProxy]), fmtCostUS(c.CPUUSPerObject[result.RoleLoader]),
			fmtCostUS(c.CPUUSPerMiB[result.GroupCluster]), fmtBytesCI(c.ClientLinkBytes), fmtBytesCI(c.NodeLinkBytes),
			fmtBytesEst(c.TransformerBytes), fmtBytes(float64(c.PeakRSSBytes[result.RoleTarget])))
		for _, n := range c.NotAvailable {
			na = append(na, s.Cell+" "+s.Op+": "+n)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Bytes come from %s. A built-in transformer of the process runtime reads each object from the target's disk (`etl_fqn`), "+
		"so its connection carries requests and results, not inputs; in hpull inline mode the transformer answers the client itself, "+
		"which the loader counts on the client link.\n\n", networkSource(rep.Series))
	if len(na) > 0 {
		fmt.Fprintf(w, "Not available:\n\n")
		for i, n := range na {
			if i == 10 {
				fmt.Fprintf(w, "- ... and %d more (see result.json)\n", len(na)-10)
				break
			}
			fmt.Fprintf(w, "- %s\n", mdEscape(n))
		}
		fmt.Fprintln(w)
	}

	if len(rep.NearData) > 0 {
		fmt.Fprintf(w, "## Near-data vs client-side\n\n")
		fmt.Fprintf(w, "Near-data ETL against its client-side twin, the same built-in transformer run in the loader on the same objects: "+
			"inline (`etl-get`) against `client-etl-get` (GET raw, transform in the loader), offline (`etl-bucket`, `etl-multi`, `etl-copy`) "+
			"against `client-etl-copy` (GET raw, transform, PUT the result). Ratios are near-data over client-side, %s bootstrap interval in brackets: "+
			"throughput above 1 and client-link bytes below 1 are what near-data buys. "+
			"A transform that reduces its data (md5: 32 bytes from any object) sends only its result over the client link; "+
			"one that does not (echo: output = input, output share 1) sends as many bytes as the client-side GET, so near-data saves nothing on the link "+
			"and its throughput stays near the client-side one (or below it: the transformer is one more hop).\n\n", pct)
		fmt.Fprintf(w, "| near-data | client-side | near ops/s | client ops/s | throughput ratio [%s CI] | near client-link B/obj | client client-link B/obj | bytes ratio [%s CI] | output share |\n", pct, pct)
		fmt.Fprintf(w, "|---|---|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, n := range rep.NearData {
			share := "-"
			if !math.IsNaN(float64(n.OutShare)) {
				share = fmt.Sprintf("%.3g", float64(n.OutShare))
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", mdEscape(n.Near), mdEscape(n.Client), fmtEst(n.NearOps), fmtEst(n.ClientOps),
				fmtRatio(float64(n.Throughput), float64(n.ThrLo), float64(n.ThrHi)), fmtBytesEst(n.NearBytes), fmtBytesEst(n.ClientBytes),
				fmtRatio(float64(n.Bytes), float64(n.BytesLo), float64(n.BytesHi)), share)
		}
		fmt.Fprintln(w)
	}

	if len(rep.DirectPutCosts) > 0 {
		fmt.Fprintf(w, "## Direct put: bytes and CPU per object\n\n")
		fmt.Fprintf(w, "Which hop direct put removes (docs/near-data.md): without it, the source target's transformer returns each result to its "+
			"target (inside the node), which forwards it to the destination's owner; with it, the transformer PUTs the result to the destination "+
			"itself. The node-link bytes are the same either way (model: share of objects owned by another target x output per object); what goes "+
			"is the result's return to the source target and that target's relay of it, so its transformer connections carry that much less "+
			"(model: the same amount) and its CPU per object drops. Deviation is measured/model - 1.\n\n")
		fmt.Fprintf(w, "| cell | op | node links B/obj on | model on | dev | off | model off | dev | transformer conns B/obj on | off | saved vs model | targets CPU/obj on | off | on/off [%s CI] |\n", pct)
		fmt.Fprintf(w, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, d := range rep.DirectPutCosts {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", mdEscape(orAll(d.Cell)), d.Op,
				fmtBytesEst(d.NodeOn), fmtBytes(float64(d.ModelNodeOn)), fmtDev(d.DevNodeOn),
				fmtBytesEst(d.NodeOff), fmtBytes(float64(d.ModelNodeOff)), fmtDev(d.DevNodeOff),
				fmtBytesEst(d.TfOn), fmtBytesEst(d.TfOff), fmtDev(d.DevSaved),
				fmtUSCI(d.TargetOn), fmtUSCI(d.TargetOff), fmtRatio(float64(d.TargetCPURatio), float64(d.TargetCPULo), float64(d.TargetCPUHi)))
		}
		fmt.Fprintln(w)
	}
}

// networkSource says where the series' byte counts come from.
func networkSource(ss []SeriesStats) string {
	links, nodes := false, false
	for _, s := range ss {
		if s.Costs == nil {
			continue
		}
		if s.Costs.Network == "links" {
			links = true
		} else {
			nodes = true
		}
	}
	switch {
	case links && nodes:
		return "the emulated network's interface counters (cells run with --net emulated) and the nodes' own counts (the others)"
	case links:
		return "the emulated network's interface counters (Ethernet, IP and TCP headers included)"
	}
	return "what each node counts on its own connections (HTTP headers and bodies, no TCP/IP headers) and the loader's count of its own"
}
