package reports

import (
	"fmt"
	"io"
	"strconv"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/etlbench/etlbench/reports/result"
)

// PrintTable writes a terminal summary of results to w: one row per cell
// and operation with median throughput (95% CI over repeats), latency
// percentiles and errors.
func PrintTable(w io.Writer, results []*result.Result) error {
	a, err := analyze(results, statsOptions{})
	if err != nil {
		return fmt.Errorf("report table: %w", err)
	}
	return printStats(w, a.stats)
}

func printStats(w io.Writer, stats []SeriesStats) error {
	t := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
	t.Header("cell", "op", "n", "ops/s [95% CI]", "MiB/s [95% CI]", "p50", "p90", "p99", "p99.9", "errors", "target CPU/obj", "transformer CPU/obj", "client B/obj", "node B/obj")
	for _, s := range stats {
		lat := s.LatencyUS
		tgt, tf, cl, nd := "n/a", "n/a", "n/a", "n/a"
		if c := s.Costs; c != nil {
			tgt, tf = fmtCostUS(c.CPUUSPerObject[result.GroupTargets]), fmtCostUS(c.CPUUSPerObject[result.GroupTransformers])
			cl, nd = fmtBytesEst(c.ClientLinkBytes), fmtBytesEst(c.NodeLinkBytes)
		}
		if err := t.Append(s.Cell, s.Op, strconv.Itoa(s.Repeats), fmtEst(s.OpsPerSec), fmtEst(s.MiBPerSec),
			fmtLat(lat.P50), fmtLat(lat.P90), fmtLat(lat.P99), fmtLat(lat.P999), strconv.FormatInt(s.Errors, 10), tgt, tf, cl, nd); err != nil {
			return fmt.Errorf("report table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("report table: %w", err)
	}
	return nil
}
