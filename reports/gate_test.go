package reports_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/reports"
	"github.com/etlbench/etlbench/reports/reportstest"
	"github.com/etlbench/etlbench/reports/result"
)

func TestGateIdenticalPasses(t *testing.T) {
	a := matrix(t, 1, nil)
	g, err := reports.Gate(a, a, reports.GateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if g.Failed || len(g.Regressions) != 0 {
		t.Errorf("identical runs failed: %+v", g.Regressions)
	}
	if len(g.Checks) != 4*2 || g.MaxRegress != 0.05 || g.Alpha != 0.05 {
		t.Errorf("checks %d, max %v, alpha %v; want 8 checks at the defaults", len(g.Checks), g.MaxRegress, g.Alpha)
	}
	if !strings.Contains(g.Markdown(), "PASS") {
		t.Error("markdown does not say PASS")
	}
}

func TestGateLatencyShiftFails(t *testing.T) {
	base := matrix(t, 1, nil)
	// +20 ms per object in the hpush cells, 5 repeats each side.
	cur := matrix(t, 2, func(c *reportstest.Cell) {
		if c.Axes["comm"] == "hpush" {
			c.ShiftUS = 20_000
		}
	})
	g, err := reports.Gate(base, cur, reports.GateOptions{MaxRegress: 0.05, Alpha: 0.05, Metrics: []string{"ops_per_sec", "p99"}})
	if err != nil {
		t.Fatal(err)
	}
	if !g.Failed {
		t.Fatal("a +20 ms latency shift passed the gate")
	}
	cells := map[string]bool{}
	for _, r := range g.Regressions {
		if r.Metric != "p99" || !r.Regressed || float64(r.P) >= 0.05 || float64(r.Worse) < 10 {
			t.Errorf("unexpected regression %+v", r)
		}
		cells[r.Cell] = true
	}
	if len(cells) != 2 || !cells["comm=hpush direct_put=true size=64KiB"] || !cells["comm=hpush direct_put=false size=64KiB"] {
		t.Errorf("regressed cells %v, want the two hpush cells", cells)
	}
	md := g.Markdown()
	for _, w := range []string{"FAIL", "### Regressions", "comm=hpush direct_put=true size=64KiB", "REGRESSION", "p99"} {
		if !strings.Contains(md, w) {
			t.Errorf("markdown lacks %q", w)
		}
	}
	if strings.Contains(strings.Split(md, "### All checks")[0], "comm=ws") {
		t.Error("the regressions table names a ws cell")
	}
}

func TestGateNoiseWithinThresholdPasses(t *testing.T) {
	// 1% noise, different seeds: medians differ by a little, within 5%.
	g, err := reports.Gate(matrix(t, 1, nil), matrix(t, 7, nil), reports.GateOptions{Metrics: []string{"ops_per_sec", "mib_per_sec", "p50", "p99", "p999"}})
	if err != nil {
		t.Fatal(err)
	}
	if g.Failed {
		t.Errorf("noise failed the gate: %s\n%s", g.Verdict(), g.Markdown())
	}
	// A significant but small change (3%) is below the threshold: pass.
	cur := matrix(t, 7, func(c *reportstest.Cell) { c.OpsPerSec = 970 })
	g, err = reports.Gate(matrix(t, 1, nil), cur, reports.GateOptions{Metrics: []string{"ops_per_sec"}})
	if err != nil {
		t.Fatal(err)
	}
	if g.Failed {
		t.Errorf("a 3%% drop failed a 5%% gate: %s", g.Verdict())
	}
	// The same drop fails a 1% gate.
	g, err = reports.Gate(matrix(t, 1, nil), cur, reports.GateOptions{MaxRegress: 0.01, Metrics: []string{"ops_per_sec"}})
	if err != nil {
		t.Fatal(err)
	}
	if !g.Failed || len(g.Regressions) != 4 {
		t.Errorf("a 3%% drop passed a 1%% gate: %s", g.Verdict())
	}
}

func TestGateFewRepeatsJudgedByThreshold(t *testing.T) {
	one := func(seed uint64, shift int64) reportstest.Cell {
		return reportstest.Cell{Axes: map[string]string{"comm": "ws"}, Repeats: 1, Intervals: 1, Seed: seed, ShiftUS: shift}
	}
	base, err := reportstest.Results(one(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	cur, err := reportstest.Results(one(2, 20_000))
	if err != nil {
		t.Fatal(err)
	}
	g, err := reports.Gate(base, cur, reports.GateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !g.Failed || !g.ThresholdOnly || !g.Regressions[0].ThresholdOnly {
		t.Errorf("single repeat: failed %v, threshold only %v", g.Failed, g.ThresholdOnly)
	}
	if !strings.Contains(g.Markdown(), "threshold alone") || !strings.Contains(g.Markdown(), "threshold only") {
		t.Error("markdown does not say the gate was judged by threshold alone")
	}
	// 3 vs 3 repeats can never reach p < 0.05 (smallest p is 0.1): threshold too.
	b3 := matrix(t, 1, func(c *reportstest.Cell) { c.Repeats = 3 })
	c3 := matrix(t, 2, func(c *reportstest.Cell) { c.Repeats = 3; c.ShiftUS = 20_000 })
	g, err = reports.Gate(b3, c3, reports.GateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !g.Failed || !g.ThresholdOnly {
		t.Errorf("3 vs 3 with +20 ms: failed %v, threshold only %v", g.Failed, g.ThresholdOnly)
	}
	// 5 vs 5 is a real test.
	g, err = reports.Gate(matrix(t, 1, nil), matrix(t, 2, nil), reports.GateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if g.ThresholdOnly {
		t.Error("5 vs 5 judged by threshold alone")
	}
}

func TestGateBadInput(t *testing.T) {
	a := matrix(t, 1, nil)
	other := matrix(t, 1, func(c *reportstest.Cell) { c.Config = map[string]string{"duration": "99s"} })
	cases := []struct {
		name     string
		base     []*result.Result
		opts     reports.GateOptions
		want     string
		mismatch bool
	}{
		{"negative threshold", a, reports.GateOptions{MaxRegress: -0.1}, "max regression", false},
		{"alpha above 1", a, reports.GateOptions{Alpha: 1.5}, "alpha", false},
		{"unknown metric", a, reports.GateOptions{Metrics: []string{"latency"}}, `unknown metric "latency"`, false},
		{"no baseline", nil, reports.GateOptions{}, "no baseline results", false},
		{"mismatched config", other, reports.GateOptions{}, `"duration"`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := reports.Gate(c.base, a, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %s", err, c.want)
			}
			var me *reports.MismatchError
			if errors.As(err, &me) != c.mismatch {
				t.Errorf("MismatchError: %v, want %v", errors.As(err, &me), c.mismatch)
			}
		})
	}
}

// TestGateAcrossTransformers gates a run of one transformer against a run
// of another (the fault transformer adding 20 ms) by leaving the
// transformer axis out of the cell match.
func TestGateAcrossTransformers(t *testing.T) {
	base := matrix(t, 1, func(c *reportstest.Cell) { c.Axes["transformer"] = "echo" })
	cur := matrix(t, 2, func(c *reportstest.Cell) {
		c.Axes["transformer"] = "fault"
		c.Config = map[string]string{"etl-args": "sleep=20ms"}
		c.ShiftUS = 20_000
	})
	if _, err := reports.Gate(base, cur, reports.GateOptions{}); err == nil || !strings.Contains(err.Error(), "no cell") {
		t.Fatalf("different transformers without IgnoreAxes: err = %v", err)
	}
	_, err := reports.Gate(base, cur, reports.GateOptions{IgnoreAxes: []string{"transformer"}})
	if err == nil || !strings.Contains(err.Error(), `"etl-args"`) {
		t.Fatalf("etl-args differ: err = %v, want a mismatch naming etl-args", err)
	}
	g, err := reports.Gate(base, cur, reports.GateOptions{IgnoreAxes: []string{"transformer"}, IgnoreKeys: []string{"etl-args"}})
	if err != nil {
		t.Fatal(err)
	}
	if !g.Failed || len(g.Regressions) != 4 {
		t.Fatalf("+20 ms in every cell: %s", g.Verdict())
	}
	if !strings.Contains(g.Markdown(), "comm=ws direct_put=true size=64KiB transformer=echo") {
		t.Error("regressions do not name the cells")
	}
	// Two cells of one side that only differ in an ignored axis are ambiguous.
	both := append(matrix(t, 1, func(c *reportstest.Cell) { c.Axes["transformer"] = "md5" }), base...)
	if _, err := reports.Gate(both, cur, reports.GateOptions{IgnoreAxes: []string{"transformer"}}); err == nil || !strings.Contains(err.Error(), "the same") {
		t.Errorf("ambiguous match: err = %v", err)
	}
}
