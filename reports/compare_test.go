package reports_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/reports"
	"github.com/etlbench/etlbench/reports/reportstest"
	"github.com/etlbench/etlbench/reports/result"
)

// matrix makes a small comm x direct_put matrix with noise.
func matrix(t *testing.T, seed uint64, mod func(*reportstest.Cell)) []*result.Result {
	t.Helper()
	var cells []reportstest.Cell
	for _, comm := range []string{"hpush", "ws"} {
		for _, dp := range []string{"true", "false"} {
			c := reportstest.Cell{
				Axes:    map[string]string{"comm": comm, "direct_put": dp, "size": "64KiB"},
				Repeats: 5, OpsPerSec: 1000, Jitter: 0.01, Intervals: 1, Seed: seed,
			}
			seed += 10
			if mod != nil {
				mod(&c)
			}
			cells = append(cells, c)
		}
	}
	rs, err := reportstest.Results(cells...)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestCompareShiftAndIdentity(t *testing.T) {
	a := matrix(t, 1, nil)
	b := matrix(t, 2, func(c *reportstest.Cell) {
		if c.Axes["comm"] == "ws" {
			c.OpsPerSec = 1200 // +20% throughput, latency /1.2
		}
	})
	c, err := reports.Compare(a, b, reports.CompareOptions{LabelA: "before", LabelB: "after"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rows) != 4*len(reports.DefaultCompareMetrics) {
		t.Fatalf("%d rows, want %d", len(c.Rows), 4*len(reports.DefaultCompareMetrics))
	}
	for _, r := range c.Rows {
		if r.Metric != "ops_per_sec" {
			continue
		}
		ws := strings.Contains(r.Cell, "comm=ws")
		pct := float64(r.DeltaPct)
		switch {
		case ws && (pct < 0.17 || pct > 0.23 || float64(r.P) >= 0.05 || !r.Better || float64(r.DeltaLo) <= 0):
			t.Errorf("ws: delta %.3f p %v CI [%v, %v], want ~+20%%, p < 0.05, CI above 0", pct, r.P, r.DeltaLo, r.DeltaHi)
		case !ws && math.Abs(pct) > 0.03:
			t.Errorf("hpush: delta %.3f, want ~0", pct)
		}
		if lo, hi := float64(r.DeltaLo), float64(r.DeltaHi); !(lo <= float64(r.Delta) && float64(r.Delta) <= hi) {
			t.Errorf("%s: delta %v outside its interval [%v, %v]", r.Cell, r.Delta, lo, hi)
		}
	}
	md := c.Markdown()
	for _, w := range []string{"before vs after", "| comm=ws direct_put=true size=64KiB | etl-get | ops/s |", "p ="} {
		if !strings.Contains(md, w) {
			t.Errorf("markdown lacks %q", w)
		}
	}

	// A compared with itself: zero deltas, p = 1.
	self, err := reports.Compare(a, a, reports.CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range self.Rows {
		if r.Delta != 0 || float64(r.P) < 0.99 {
			t.Errorf("self-compare %s %s: delta %v p %v", r.Cell, r.Metric, r.Delta, r.P)
		}
	}
}

func TestCompareRefusesMismatchedConfig(t *testing.T) {
	a := matrix(t, 1, nil)
	b := matrix(t, 1, func(c *reportstest.Cell) { c.Config = map[string]string{"numworkers": "16"} })
	for _, r := range a {
		r.Config["numworkers"] = "8"
	}
	_, err := reports.Compare(a, b, reports.CompareOptions{LabelA: "base", LabelB: "new", Resamples: 200})
	var me *reports.MismatchError
	if !errors.As(err, &me) {
		t.Fatalf("err = %v, want a MismatchError", err)
	}
	for _, w := range []string{`"numworkers"`, `"8"`, `"16"`, "base", "new", "--force"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %s", err, w)
		}
	}
	// A key only one side has is a difference too.
	for _, r := range b {
		delete(r.Config, "numworkers")
		r.Config["etl-args"] = "sleep=20ms"
	}
	_, err = reports.Compare(a, b, reports.CompareOptions{Resamples: 200})
	if err == nil || !strings.Contains(err.Error(), `"etl-args"`) || !strings.Contains(err.Error(), "(not set)") {
		t.Errorf("err = %v, want etl-args named as not set in A", err)
	}
	// --ignore lets the listed keys differ; --force compares anyway and says so.
	if _, err := reports.Compare(a, b, reports.CompareOptions{IgnoreKeys: []string{"etl-args", "numworkers"}, Resamples: 200}); err != nil {
		t.Errorf("with IgnoreKeys: %v", err)
	}
	c, err := reports.Compare(a, b, reports.CompareOptions{Force: true, Resamples: 200})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Mismatches) == 0 || !strings.Contains(c.Markdown(), "--force") {
		t.Errorf("forced comparison does not list the differences")
	}
	// Seeds and output directories differ between runs and are not refused.
	if _, err := reports.Compare(matrix(t, 1, nil), matrix(t, 5, nil), reports.CompareOptions{Resamples: 200}); err != nil {
		t.Errorf("different seeds refused: %v", err)
	}
}

func TestCompareNoCommonCells(t *testing.T) {
	a := matrix(t, 1, nil)
	b := matrix(t, 1, func(c *reportstest.Cell) { c.Axes["size"] = "8MiB" })
	_, err := reports.Compare(a, b, reports.CompareOptions{Resamples: 200})
	if err == nil || !strings.Contains(err.Error(), "no cell") {
		t.Errorf("err = %v, want no common cell", err)
	}
	if _, err := reports.Compare(a, a, reports.CompareOptions{Metrics: []string{"p77"}}); err == nil || !strings.Contains(err.Error(), `"p77"`) {
		t.Errorf("unknown metric: err = %v", err)
	}
}

func TestCompareWriteDir(t *testing.T) {
	a := matrix(t, 1, nil)
	b := matrix(t, 2, func(c *reportstest.Cell) { c.ShiftUS = 300 })
	c, err := reports.Compare(a, b, reports.CompareOptions{Resamples: 200})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files, err := c.WriteDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var png, svg int
	for _, f := range files {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", f, err)
		}
		switch filepath.Ext(f) {
		case ".png":
			png++
		case ".svg":
			svg++
		}
	}
	// Spectra per direct-put setting (2) and throughput bars (1).
	if png != 3 || svg != 3 {
		t.Errorf("%d PNG, %d SVG plots, want 3 each: %v", png, svg, files)
	}
	md, err := os.ReadFile(filepath.Join(dir, reports.CompareFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "compare-spectrum-direct_put-true_size-64KiB_op-etl-get.png") {
		t.Errorf("compare.md does not embed the spectrum:\n%s", md)
	}
}
