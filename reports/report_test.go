package reports_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/etlbench/etlbench/reports"
	"github.com/etlbench/etlbench/reports/reportstest"
	"github.com/etlbench/etlbench/reports/result"
)

// knownResults is a matrix with exactly known numbers: no noise, latencies
// 1..1000 us recorded evenly (p50 500 us, p90 900, p99 990, p99.9 999),
// 64 KiB per op.
func knownResults(t *testing.T) []*result.Result {
	t.Helper()
	cell := func(comm, dp string, ops float64) reportstest.Cell {
		return reportstest.Cell{
			Axes:    map[string]string{"comm": comm, "direct_put": dp, "size": "64KiB", "op": "etl-get"},
			Repeats: 3, OpsPerSec: ops, Intervals: 2, Warmup: 1,
		}
	}
	withErrors := cell("ws", "false", 1000)
	withErrors.Errors = 7
	rs, err := reportstest.Results(
		cell("hpush", "true", 2000), cell("hpush", "false", 1000),
		cell("ws", "true", 3000), withErrors,
		reportstest.Cell{Axes: map[string]string{"size": "64KiB", "op": "get"}, Op: "get", Repeats: 3, OpsPerSec: 4000, Intervals: 2},
	)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestWriteKnownNumbers(t *testing.T) {
	dir := t.TempDir()
	rep, err := reports.Write(knownResults(t), dir, reports.Options{NoPlots: true})
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, reports.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"| comm=hpush direct_put=true size=64KiB | etl-get | 3 | 2000 | 125.0 | 500 µs | 900 µs | 990 µs | 999 µs | 0 |",
		"| comm=hpush direct_put=false size=64KiB | etl-get | 3 | 1000 | 62.50 | 500 µs | 900 µs | 990 µs | 999 µs | 0 |",
		"| comm=ws direct_put=true size=64KiB | etl-get | 3 | 3000 | 187.5 | 500 µs | 900 µs | 990 µs | 999 µs | 0 |",
		"| comm=ws direct_put=false size=64KiB | etl-get | 3 | 1000 | 62.50 | 500 µs | 900 µs | 990 µs | 999 µs | 21 (0.35%) |",
		"| size=64KiB | get | 3 | 4000 | 250.0 | 500 µs | 900 µs | 990 µs | 999 µs | 0 |",
		// Direct-put speedups.
		"| comm=hpush size=64KiB | etl-get | 2000 | 1000 | 2.00x |",
		"| comm=ws size=64KiB | etl-get | 3000 | 1000 | 3.00x |",
		// Inline ETL cost against plain GET of the same size.
		"| comm=hpush direct_put=true size=64KiB op=etl-get | size=64KiB op=get | 2000 | 4000 | 0.50x | 500 µs | 500 µs | 1.00x |",
		"| comm=ws direct_put=true size=64KiB op=etl-get | size=64KiB op=get | 3000 | 4000 | 0.75x |",
		"| scenario | synthetic |",
		"| results | 15 runs of 5 cells |",
	}
	for _, w := range want {
		if !strings.Contains(string(md), w) {
			t.Errorf("report.md lacks %q\n%s", w, md)
		}
	}
	if len(rep.Series) != 5 || len(rep.Speedups) != 2 || len(rep.ETLCosts) != 4 {
		t.Errorf("series/speedups/costs = %d/%d/%d, want 5/2/4", len(rep.Series), len(rep.Speedups), len(rep.ETLCosts))
	}
	// Rows are in matrix order: the plain get (no comm) first, then hpush, ws
	// (direct put false before true).
	if rep.Series[0].Op != "get" || rep.Series[1].Axes["comm"] != "hpush" || rep.Series[4].Axes["comm"] != "ws" {
		t.Errorf("series order: %s, %s, %s", rep.Series[0].Cell, rep.Series[1].Cell, rep.Series[4].Cell)
	}
	for _, s := range rep.Series {
		if s.LatencySource != reports.SourceHistograms {
			t.Errorf("%s: latency from %s, want histograms", s.Cell, s.LatencySource)
		}
	}

	// summary.json holds the same numbers.
	var sum reports.Report
	b, err := os.ReadFile(filepath.Join(dir, reports.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Schema != reports.ReportSchema || len(sum.Series) != 5 || sum.Series[2].OpsPerSec.Median != 2000 || sum.Series[2].LatencyUS.P99 != 990 {
		t.Errorf("summary.json: %+v", sum.Series[2])
	}
	if sum.Speedups[0].Ratio != 2 {
		t.Errorf("summary.json speedup %v, want 2", sum.Speedups[0].Ratio)
	}
}

// benchLine is the Go benchmark format: name, iterations, value-unit pairs.
var benchLine = regexp.MustCompile(`^(Benchmark\S+)\s+(\d+)((?:\s+[-+0-9.eE]+\s+\S+)+)$`)

func TestResultsTxtIsBenchmarkFormat(t *testing.T) {
	dir := t.TempDir()
	if _, err := reports.Write(knownResults(t), dir, reports.Options{NoPlots: true}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, reports.BenchFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	configLine := regexp.MustCompile(`^[a-z][^\s:]*: \S.*$`)
	lines := 0
	found := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if configLine.MatchString(line) {
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a benchmark or config line: %q", line)
		}
		lines++
		fields := strings.Fields(m[3])
		units := map[string]float64{}
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				t.Fatalf("value %q in %q: %v", fields[i], line, err)
			}
			units[fields[i+1]] = v
		}
		for _, u := range []string{"ns/op", "MB/s", "ops/s", "p50-us", "p99-us", "p99.9-us", "errors"} {
			if _, ok := units[u]; !ok {
				t.Errorf("line %q lacks unit %s", line, u)
			}
		}
		if m[1] == "BenchmarkETL/comm=hpush/direct_put=true/size=64KiB/op=etl-get-2" {
			found = true
			if units["ns/op"] != 500000 || units["ops/s"] != 2000 || units["p99-us"] != 990 || math.Abs(units["MB/s"]-131.07) > 0.01 {
				t.Errorf("hpush/on line: %v", units)
			}
		}
	}
	if lines != 15 {
		t.Errorf("%d benchmark lines, want 15 (one per repeat)", lines)
	}
	if !found {
		t.Error("no line for hpush with direct put")
	}
}

func TestWritePlots(t *testing.T) {
	dir := t.TempDir()
	rep, err := reports.Write(knownResults(t), dir, reports.Options{Resamples: 200})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, p := range rep.Plots {
		kinds[p.Kind]++
		if len(p.Files) != 2 {
			t.Errorf("plot %q: files %v, want a PNG and an SVG", p.Title, p.Files)
		}
		for _, name := range p.Files {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			switch filepath.Ext(name) {
			case ".png":
				img, err := png.Decode(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if r := img.Bounds(); r.Dx() < 800 || r.Dy() < 500 {
					t.Errorf("%s: %v too small", name, r)
				}
			case ".svg":
				s := string(b)
				if !strings.Contains(s, "<svg") || !strings.Contains(s, "</svg>") {
					t.Errorf("%s: not an SVG document", name)
				}
			default:
				t.Errorf("unexpected plot file %s", name)
			}
		}
	}
	// Groups: etl-get with direct put on, off, and the plain get; bars per
	// (size, op); one speedup plot.
	want := map[string]int{"spectrum": 3, "cdf": 3, "timeline": 3, "throughput": 2, "speedup": 1}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%d %s plots, want %d (all: %v)", kinds[k], k, n, kinds)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, reports.ReportFile))
	if !strings.Contains(string(md), "![Direct-put speedup") || !strings.Contains(string(md), "(speedup-etl-get.png)") {
		t.Errorf("report.md does not embed the speedup plot")
	}
}

// TestWarmupExcludedAndSummaryFallback: latency numbers come from the
// measured intervals only, and from the summary when there are no histograms.
func TestWarmupExcludedAndSummaryFallback(t *testing.T) {
	rs := knownResults(t)[:3] // hpush on, three repeats
	slow := hdr.New(1, 3_600_000_000, 3)
	for range 1000 {
		if err := slow.RecordValue(500_000); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := result.EncodeHist(slow)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		r.Intervals[0].Ops["etl-get"] = result.IntervalOp{Ops: 1000, Hist: enc} // the warm-up interval
	}
	var buf bytes.Buffer
	if err := reports.PrintTable(&buf, rs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "999 µs") || strings.Contains(buf.String(), "500.00 ms") {
		t.Errorf("warm-up leaked into the table:\n%s", buf.String())
	}
	// Without histograms: the medians of the summaries.
	for i, r := range rs {
		r.Intervals = nil
		s := r.Summary["etl-get"]
		s.LatencyUS.P99 = float64(1000 + 100*i) // 1000, 1100, 1200 -> median 1100
		r.Summary["etl-get"] = s
	}
	dir := t.TempDir()
	rep, err := reports.Write(rs, dir, reports.Options{NoPlots: true})
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Series[0]; s.LatencySource != reports.SourceSummary || s.LatencyUS.P99 != 1100 {
		t.Errorf("fallback: source %s p99 %v, want summary 1100", s.LatencySource, s.LatencyUS.P99)
	}
}

func TestConfidenceIntervalsWithNoise(t *testing.T) {
	rs, err := reportstest.Results(reportstest.Cell{Axes: map[string]string{"comm": "ws"}, Repeats: 7, OpsPerSec: 1000, Jitter: 0.05, Intervals: 1})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := reports.Write(rs, t.TempDir(), reports.Options{NoPlots: true})
	if err != nil {
		t.Fatal(err)
	}
	e := rep.Series[0].OpsPerSec
	if e.N != 7 || !(e.Lo < e.Median && e.Median < e.Hi) || e.Lo < 850 || e.Hi > 1150 {
		t.Errorf("estimate %+v: want a real interval around ~1000", e)
	}
	// Equal inputs give equal reports (seeded bootstrap).
	rep2, err := reports.Write(rs, t.TempDir(), reports.Options{NoPlots: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep2.Series[0].OpsPerSec != e {
		t.Errorf("not deterministic: %+v vs %+v", rep2.Series[0].OpsPerSec, e)
	}
}
