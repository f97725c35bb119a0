package runner

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/internal/testcluster"
	"github.com/etlbench/etlbench/reports"
	"github.com/etlbench/etlbench/reports/result"
)

// gateScenario is a tiny inline scenario: one cell per comm mode, echo-like
// load of 4 KiB objects, closed loop. The placeholders are filled per run.
const gateScenario = `
name: gate-real
seed: 11
dataset: {objects: 20, sizes: [4KiB], content: random}
transformers: [TRANSFORMER]
matrix:
  comm: [hpush, ws]
  op: [etl-get]
load: {workers: WORKERS}
duration: DURATION
repeats: REPEATS
`

// runGateScenario runs gateScenario with the given transformer, workers,
// duration and repeats on c and returns the results it wrote.
func runGateScenario(t *testing.T, c *testcluster.Cluster, transformer, workers, duration, repeats string) []*result.Result {
	t.Helper()
	yml := strings.NewReplacer("TRANSFORMER", transformer, "WORKERS", workers, "DURATION", duration, "REPEATS", repeats).Replace(gateScenario)
	sc := parse(t, yml)
	out := filepath.Join(t.TempDir(), "out")
	var stderr strings.Builder
	t0 := time.Now()
	if _, err := Run(context.Background(), sc, RunOptions{Out: out, ProxyURL: c.ProxyURL, Stdout: io.Discard, Stderr: &stderr, NoPlots: true, Display: DisplayLines}); err != nil {
		t.Fatalf("run %s: %v\n%s", transformer, err, stderr.String())
	}
	results, err := reports.LoadDir(filepath.Join(out, CellsDir))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("run %s (workers %s, %s x %s): %d results in %.1fs", transformer, workers, duration, repeats, len(results), time.Since(t0).Seconds())
	for _, r := range results {
		if s := r.Summary[result.OpETLGet]; s.Ops == 0 || s.Errors != 0 {
			t.Fatalf("run %s, %s r%d: %d ops, %d errors", transformer, r.CellID, r.Repeat, s.Ops, s.Errors)
		}
	}
	return results
}

// TestGateRealRuns gates real runs against each other on a 3-target
// cluster: a run against itself passes; a run whose transformer adds 20 ms
// per object fails on latency and names each cell; a run of another
// configuration is refused, naming the key that differs.
func TestGateRealRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts a cluster and runs scenarios")
	}
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	const repeats = "5" // 5 vs 5: the smallest Mann-Whitney p (0.008) is below alpha 0.05
	echo := runGateScenario(t, c, "echo", "2", "1s", repeats)
	fault := runGateScenario(t, c, "{name: fault, args: delay=20ms}", "2", "1s", repeats)
	if len(echo) != 10 || len(fault) != 10 {
		t.Fatalf("%d echo and %d fault results, want 10 each (2 cells x 5 repeats)", len(echo), len(fault))
	}
	metrics := []string{"ops_per_sec", "p50", "p99"}

	// A run compared with itself passes, with a real significance test.
	g, err := reports.Gate(echo, echo, reports.GateOptions{Metrics: metrics})
	if err != nil {
		t.Fatalf("gate echo vs echo: %v", err)
	}
	if g.Failed || len(g.Regressions) != 0 || g.ThresholdOnly || len(g.Checks) != 2*len(metrics) {
		t.Errorf("echo vs itself: failed %v, %d regressions, threshold only %v, %d checks\n%s", g.Failed, len(g.Regressions), g.ThresholdOnly, len(g.Checks), g.Markdown())
	}
	if !strings.HasPrefix(g.Verdict(), "PASS") {
		t.Errorf("verdict %q", g.Verdict())
	}

	// echo (baseline) against fault delay=20ms (current): the transformer
	// axis is not matched, and the keys that name the ETL differ by design.
	opts := reports.GateOptions{
		Metrics:       metrics,
		IgnoreAxes:    []string{"transformer"},
		IgnoreKeys:    []string{"etl", "etl-name", "etl-args", "spec_hash"},
		BaselineLabel: "echo", CurrentLabel: "fault",
	}
	g, err = reports.Gate(echo, fault, opts)
	if err != nil {
		t.Fatalf("gate echo vs fault: %v", err)
	}
	md := g.Markdown()
	t.Logf("echo vs fault:\n%s", md)
	if !g.Failed || g.ThresholdOnly || len(g.OnlyBaseline)+len(g.OnlyCurrent) != 0 || len(g.Mismatches) != 0 {
		t.Fatalf("echo vs fault: failed %v, threshold only %v, unmatched %v %v, mismatches %v", g.Failed, g.ThresholdOnly, g.OnlyBaseline, g.OnlyCurrent, g.Mismatches)
	}
	for _, comm := range []string{"hpush", "ws"} {
		var latency bool
		for _, r := range g.Regressions {
			if !strings.Contains(r.Cell, "comm="+comm) || r.Op != result.OpETLGet {
				continue
			}
			if (r.Metric == "p50" || r.Metric == "p99") && float64(r.P) < g.Alpha && r.Current-r.Baseline >= 15_000 {
				latency = true // at least 15 ms of the 20 ms delay, in microseconds
			}
		}
		if !latency {
			t.Errorf("no significant p50/p99 regression of at least 15 ms for the comm=%s cell: %+v", comm, g.Regressions)
		}
		if !strings.Contains(md, "comm="+comm) {
			t.Errorf("the summary does not name the comm=%s cell", comm)
		}
	}
	if !strings.HasPrefix(g.Verdict(), "FAIL") || !strings.Contains(md, "REGRESSION") {
		t.Errorf("verdict %q; summary:\n%s", g.Verdict(), md)
	}

	// Another configuration (3 workers instead of 2) is refused without
	// Force, naming the key; with Force it is gated and the difference noted.
	other := runGateScenario(t, c, "echo", "3", "1s", "1")
	_, err = reports.Gate(echo, other, reports.GateOptions{Metrics: metrics})
	var mm *reports.MismatchError
	if !errors.As(err, &mm) || !strings.Contains(err.Error(), `key "numworkers" is "2" in baseline but "3" in current`) {
		t.Fatalf("gate of mismatched configurations: %v", err)
	}
	if _, err := reports.Compare(echo, other, reports.CompareOptions{}); !errors.As(err, &mm) || !strings.Contains(err.Error(), "numworkers") {
		t.Errorf("compare of mismatched configurations: %v", err)
	}
	g, err = reports.Gate(echo, other, reports.GateOptions{Metrics: metrics, Force: true, MaxRegress: 10})
	if err != nil {
		t.Fatalf("forced gate: %v", err)
	}
	if g.Failed || len(g.Mismatches) == 0 || !strings.Contains(strings.Join(g.Notes, "\n"), "--force") {
		t.Errorf("forced gate: failed %v, mismatches %v, notes %q", g.Failed, g.Mismatches, g.Notes)
	}
	checkNoETLs(t, c)
}
