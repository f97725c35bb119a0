package reports

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/etlbench/etlbench/reports/result"
)

// Output file names of a report.
const (
	ReportFile  = "report.md"
	BenchFile   = "results.txt"
	SummaryFile = "summary.json"
	// ReportSchema is the value of Report.Schema in summary.json.
	ReportSchema = "etlbench/report/v1"
)

// Options tune a report. The zero value is a full report with 95% intervals.
type Options struct {
	Title     string  // heading of report.md (default "etlbench report")
	Level     float64 // confidence level of intervals (default 0.95)
	Resamples int     // bootstrap resamples (default 2000)
	Seed      int64   // bootstrap seed (default 1); equal inputs give equal reports
	NoPlots   bool    // skip the plots (faster)
}

func (o Options) stats() statsOptions {
	return statsOptions{level: o.Level, resamples: o.Resamples, seed: o.Seed}.norm()
}

// Report is what Write computed and wrote; summary.json holds it.
type Report struct {
	Schema    string        `json:"schema"`
	Title     string        `json:"title"`
	Results   int           `json:"results"`
	Scenarios []string      `json:"scenarios,omitempty"`
	Level     float64       `json:"level"`
	Series    []SeriesStats `json:"series"`
	Speedups  []Speedup     `json:"direct_put_speedups,omitempty"`
	ETLCosts  []ETLCost     `json:"etl_costs,omitempty"`
	// NearData compares near-data ETL with its client-side twin.
	NearData []NearData `json:"near_data,omitempty"`
	// DirectPutCosts are bytes and CPU per object with direct put on and off.
	DirectPutCosts []DirectPutCost `json:"direct_put_costs,omitempty"`
	// Peers compare etlcore with AIStore (the cluster axis).
	Peers []Peer     `json:"etlcore_vs_aistore,omitempty"`
	Plots []PlotFile `json:"plots,omitempty"`
	Notes []string   `json:"notes,omitempty"`
	// Dir is the output directory; Files the files written there.
	Dir   string   `json:"-"`
	Files []string `json:"-"`
}

// Write writes the report of results into outDir (created if needed):
// report.md, the plots (PNG and SVG), results.txt in Go benchmark format
// and summary.json.
func Write(results []*result.Result, outDir string, opts Options) (*Report, error) {
	so := opts.stats()
	a, err := analyze(results, so)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	rep := &Report{
		Schema: ReportSchema, Title: opts.Title, Results: len(results), Level: so.level,
		Scenarios: scenarios(results), Series: a.stats, Speedups: a.speedups, ETLCosts: a.costs,
		NearData: a.nearData, DirectPutCosts: a.dpCosts, Peers: a.peers,
		Notes: a.notes, Dir: outDir,
	}
	if rep.Title == "" {
		rep.Title = "etlbench report"
	}
	if !opts.NoPlots {
		plots, err := writeReportPlots(a, outDir)
		if err != nil {
			return nil, fmt.Errorf("report plots: %w", err)
		}
		rep.Plots = plots
		for _, p := range plots {
			rep.Files = append(rep.Files, p.Files...)
		}
	}
	if err := writeFile(filepath.Join(outDir, BenchFile), func(f *os.File) error { return writeBench(f, a) }); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(outDir, ReportFile), func(f *os.File) error { return writeMarkdown(f, rep, results) }); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(outDir, SummaryFile), func(f *os.File) error {
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}); err != nil {
		return nil, err
	}
	rep.Files = append(rep.Files, BenchFile, ReportFile, SummaryFile)
	return rep, nil
}

// writeFile creates path and fills it with fill.
func writeFile(path string, fill func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := fill(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func scenarios(results []*result.Result) []string {
	set := map[string]bool{}
	for _, r := range results {
		if r.Scenario != "" {
			set[r.Scenario] = true
		}
	}
	out := slices.Sorted(maps.Keys(set))
	return out
}
