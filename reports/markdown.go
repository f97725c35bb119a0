package reports

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/etlbench/etlbench/reports/result"
)

// writeMarkdown writes report.md.
func writeMarkdown(w io.Writer, rep *Report, results []*result.Result) error {
	bw := bufio.NewWriter(w)
	pct := fmt.Sprintf("%g%%", 100*rep.Level)
	fmt.Fprintf(bw, "# %s\n\n", rep.Title)
	writeSetup(bw, rep, results)

	fmt.Fprintf(bw, "## Throughput and latency\n\n")
	fmt.Fprintf(bw, "Median over repeats, with its %s bootstrap confidence interval in brackets. "+
		"Latency percentiles are of the merged HDR histograms of all repeats (warm-up excluded).\n\n", pct)
	fmt.Fprintf(bw, "| cell | op | repeats | ops/s [%s CI] | MiB/s [%s CI] | p50 | p90 | p99 | p99.9 | errors |\n", pct, pct)
	fmt.Fprintf(bw, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, s := range rep.Series {
		l := s.LatencyUS
		errs := strconv.FormatInt(s.Errors, 10)
		if s.Ops+s.Errors > 0 && s.Errors > 0 {
			errs += fmt.Sprintf(" (%.2f%%)", 100*float64(s.Errors)/float64(s.Ops+s.Errors))
		}
		fmt.Fprintf(bw, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |\n",
			mdEscape(s.Cell), s.Op, s.Repeats, fmtEst(s.OpsPerSec), fmtEst(s.MiBPerSec),
			fmtLat(l.P50), fmtLat(l.P90), fmtLat(l.P99), fmtLat(l.P999), errs)
	}
	if summaryOnly := countSource(rep.Series, SourceSummary); summaryOnly > 0 {
		fmt.Fprintf(bw, "\n%d series had no histograms: their percentiles are the medians of the repeats' summaries.\n", summaryOnly)
	}
	fmt.Fprintln(bw)

	if len(rep.Speedups) > 0 {
		fmt.Fprintf(bw, "## Direct-put speedup\n\n")
		fmt.Fprintf(bw, "Median throughput with direct put on divided by the median with it off, per cell that differs only in `direct_put`; "+
			"%s bootstrap interval of the ratio in brackets. Above 1: direct put is faster.\n\n", pct)
		fmt.Fprintf(bw, "| cell | op | ops/s on | ops/s off | speedup [%s CI] |\n|---|---|--:|--:|--:|\n", pct)
		for _, sp := range rep.Speedups {
			fmt.Fprintf(bw, "| %s | %s | %s | %s | %s |\n", mdEscape(orAll(sp.Cell)), sp.Op,
				fmtEst(sp.On), fmtEst(sp.Off), fmtRatio(float64(sp.Ratio), float64(sp.Lo), float64(sp.Hi)))
		}
		fmt.Fprintln(bw)
	}

	if len(rep.ETLCosts) > 0 {
		fmt.Fprintf(bw, "## Inline ETL cost\n\n")
		fmt.Fprintf(bw, "Inline ETL GET against plain GET of the same objects: throughput ratio (ETL / plain, %s bootstrap interval; "+
			"below 1: the transform costs throughput) and p50 latency ratio.\n\n", pct)
		fmt.Fprintf(bw, "| ETL GET | plain GET | ETL ops/s | GET ops/s | throughput ratio [%s CI] | ETL p50 | GET p50 | p50 ratio |\n", pct)
		fmt.Fprintf(bw, "|---|---|--:|--:|--:|--:|--:|--:|\n")
		for _, c := range rep.ETLCosts {
			fmt.Fprintf(bw, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", mdEscape(c.ETL), mdEscape(c.Get),
				fmtEst(c.ETLOps), fmtEst(c.GetOps), fmtRatio(float64(c.Ratio), float64(c.Lo), float64(c.Hi)),
				fmtLat(c.ETLLatency), fmtLat(c.GetLatency), fmtRatio(float64(c.P50Ratio), 0, 0))
		}
		fmt.Fprintln(bw)
	}

	writeCostSections(bw, rep, pct)
	if len(rep.Peers) > 0 {
		writePeers(bw, rep.Peers, pct)
	}

	if len(rep.Plots) > 0 {
		fmt.Fprintf(bw, "## Plots\n\n")
		writePlotSection(bw, rep.Plots, "throughput", "Throughput by mode and direct put",
			"Median ops/s per communication mode, a bar per direct-put setting, error bars the confidence interval.")
		writePlotSection(bw, rep.Plots, "speedup", "Direct-put speedup",
			"Throughput ratio direct put on / off per mode; the dashed line at 1 is no change.")
		writePlotSection(bw, rep.Plots, "spectrum", "Latency percentile spectrum",
			"Latency (ms) against the percentile, on a log scale of 1/(1-q) so the tail (99%, 99.9%, ...) gets room; one line per mode.")
		writePlotSection(bw, rep.Plots, "cdf", "Latency CDF",
			"Share of requests completed within a latency (log scale); one line per mode.")
		writePlotSection(bw, rep.Plots, "timeline", "Throughput over time",
			"Ops/s per stats interval of the first repeat (a short tail interval is left out); the shaded span is the warm-up, left out of every number above.")
	}

	if len(rep.Notes) > 0 {
		fmt.Fprintf(bw, "## Notes\n\n")
		for _, n := range rep.Notes {
			fmt.Fprintf(bw, "- %s\n", n)
		}
		fmt.Fprintln(bw)
	}
	fmt.Fprintf(bw, "Files: `%s` (Go benchmark format, for benchstat), `%s` (all numbers above as JSON).\n", BenchFile, SummaryFile)
	return bw.Flush()
}

func countSource(ss []SeriesStats, src string) int {
	n := 0
	for _, s := range ss {
		if s.LatencySource == src {
			n++
		}
	}
	return n
}

func orAll(s string) string {
	if s == "" {
		return "(all)"
	}
	return s
}

func writePlotSection(w io.Writer, plots []PlotFile, kind, title, what string) {
	var these []PlotFile
	for _, p := range plots {
		if p.Kind == kind {
			these = append(these, p)
		}
	}
	if len(these) == 0 {
		return
	}
	fmt.Fprintf(w, "### %s\n\n%s\n\n", title, what)
	for _, p := range these {
		var png, svg string
		for _, f := range p.Files {
			switch {
			case strings.HasSuffix(f, ".png"):
				png = f
			case strings.HasSuffix(f, ".svg"):
				svg = f
			}
		}
		fmt.Fprintf(w, "![%s](%s)", mdEscape(p.Title), png)
		if svg != "" {
			fmt.Fprintf(w, " ([SVG](%s))", svg)
		}
		fmt.Fprintf(w, "\n\n")
	}
}

// writeSetup writes what was measured: scenarios, runs, cluster, tool.
func writeSetup(w io.Writer, rep *Report, results []*result.Result) {
	var start, end time.Time
	kinds := map[string]bool{}
	tools := map[string]bool{}
	models := map[string]bool{}
	for _, r := range results {
		if !r.Start.IsZero() && (start.IsZero() || r.Start.Before(start)) {
			start = r.Start
		}
		if r.End.After(end) {
			end = r.End
		}
		if r.Cluster.Kind != "" {
			k := fmt.Sprintf("%s, %d targets", r.Cluster.Kind, r.Cluster.Targets)
			if r.Cluster.Network != "" {
				k += "; network " + r.Cluster.Network
			}
			kinds[k] = true
		}
		if r.Tool.Version != "" {
			tools[fmt.Sprintf("etlbench %s (%s, %s/%s, %d CPUs)", r.Tool.Version, r.Tool.GoVersion, r.Tool.OS, r.Tool.Arch, r.Tool.CPUs)] = true
		}
		if r.Model != "" {
			m := r.Model + " loop"
			if r.Workers > 0 {
				m += fmt.Sprintf(", %d workers", r.Workers)
			}
			if r.Rate > 0 {
				m += fmt.Sprintf(", %g ops/s", r.Rate)
			}
			models[m] = true
		}
	}
	cells := map[string]bool{}
	for _, s := range rep.Series {
		cells[s.Cell] = true
	}
	fmt.Fprintf(w, "| | |\n|---|---|\n")
	if len(rep.Scenarios) > 0 {
		fmt.Fprintf(w, "| scenario | %s |\n", mdEscape(strings.Join(rep.Scenarios, ", ")))
	}
	fmt.Fprintf(w, "| results | %d runs of %d cells |\n", rep.Results, len(cells))
	if !start.IsZero() {
		fmt.Fprintf(w, "| measured | %s to %s |\n", start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339))
	}
	for _, set := range []struct {
		name string
		m    map[string]bool
	}{{"cluster", kinds}, {"load", models}, {"tool", tools}} {
		if len(set.m) > 0 {
			fmt.Fprintf(w, "| %s | %s |\n", set.name, mdEscape(strings.Join(slices.Sorted(maps.Keys(set.m)), "; ")))
		}
	}
	fmt.Fprintln(w)
}
