package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/reports"
	"github.com/etlbench/etlbench/reports/reportstest"
)

// writeRuns writes a 2-cell matrix of 5 repeats into a temp dir; shiftUS is
// added to every latency of the hpush cell.
func writeRuns(t *testing.T, seed uint64, shiftUS int64, cfg map[string]string) string {
	t.Helper()
	var cells []reportstest.Cell
	for i, comm := range []string{"hpush", "ws"} {
		c := reportstest.Cell{
			Axes:    map[string]string{"comm": comm, "size": "64KiB"},
			Repeats: 5, Intervals: 1, Jitter: 0.01, Seed: seed + uint64(i), Config: cfg,
		}
		if comm == "hpush" {
			c.ShiftUS = shiftUS
		}
		cells = append(cells, c)
	}
	rs, err := reportstest.Results(cells...)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := reportstest.WriteDir(dir, rs); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestGateCommandExitCodes(t *testing.T) {
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	base := writeRuns(t, 1, 0, nil)
	same := writeRuns(t, 11, 0, nil)
	slow := writeRuns(t, 21, 20_000, nil)
	other := writeRuns(t, 1, 0, map[string]string{"numworkers": "64"})
	empty := t.TempDir()
	summary := filepath.Join(t.TempDir(), "gate.md")

	cases := []struct {
		name string
		args []string
		want int
	}{
		{"within noise", []string{"gate", "--baseline", base, "--current", same}, 0},
		{"positional dirs", []string{"gate", base, same, "--max-regress", "0.05"}, 0},
		{"+20 ms latency", []string{"gate", "--baseline", base, "--current", slow, "--max-regress", "5%", "--alpha", "0.05", "--summary", summary}, 1},
		{"missing dir", []string{"gate", "--baseline", filepath.Join(base, "nope"), "--current", same}, 2},
		{"no results", []string{"gate", "--baseline", base, "--current", empty}, 2},
		{"bad percent", []string{"gate", "--baseline", base, "--current", same, "--max-regress", "five%"}, 2},
		{"ambiguous percent", []string{"gate", "--baseline", base, "--current", same, "--max-regress", "5"}, 2},
		{"negative percent", []string{"gate", "--baseline", base, "--current", same, "--max-regress", "-5%"}, 2},
		{"bad alpha", []string{"gate", "--baseline", base, "--current", same, "--alpha", "2"}, 2},
		{"unknown metric", []string{"gate", "--baseline", base, "--current", same, "--metric", "p42"}, 2},
		{"no current", []string{"gate", "--baseline", base}, 2},
		{"mismatched config", []string{"gate", "--baseline", base, "--current", other}, 2},
		{"mismatch forced", []string{"gate", "--baseline", base, "--current", other, "--force"}, 0},
		{"mismatch ignored", []string{"gate", "--baseline", base, "--current", other, "--ignore", "numworkers"}, 0},
		{"unknown flag", []string{"gate", "--baseline", base, "--current", same, "--bogus"}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := run(c.args); got != c.want {
				t.Errorf("etlbench %s: exit %d, want %d", strings.Join(c.args, " "), got, c.want)
			}
		})
	}
	md, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"FAIL", "comm=hpush size=64KiB", "REGRESSION"} {
		if !strings.Contains(string(md), w) {
			t.Errorf("summary lacks %q:\n%s", w, md)
		}
	}
}

func TestGateCommandAppendsStepSummary(t *testing.T) {
	step := filepath.Join(t.TempDir(), "step-summary.md")
	if err := os.WriteFile(step, []byte("# earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_STEP_SUMMARY", step)
	base := writeRuns(t, 1, 0, nil)
	if got := run([]string{"gate", "--baseline", base, "--current", base}); got != 0 {
		t.Fatalf("self gate: exit %d", got)
	}
	b, err := os.ReadFile(step)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "# earlier step\n") || !strings.Contains(string(b), "PASS") {
		t.Errorf("step summary not appended:\n%s", b)
	}
}

func TestParseMaxRegress(t *testing.T) {
	good := map[string]float64{"5%": 0.05, "0.05": 0.05, "12.5%": 0.125, "150%": 1.5, "1": 1}
	for in, want := range good {
		got, err := parseMaxRegress(in)
		if err != nil || got < want-1e-12 || got > want+1e-12 {
			t.Errorf("parseMaxRegress(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if v, err := parseMaxRegress("0%"); err != nil || v <= 0 || v > 1e-300 {
		t.Errorf("0%%: %v, %v; want a tiny positive threshold", v, err)
	}
	for _, in := range []string{"", "%", "abc", "5", "-1%", "NaN", "Inf%"} {
		if _, err := parseMaxRegress(in); err == nil {
			t.Errorf("parseMaxRegress(%q): no error", in)
		}
	}
}

func TestReportAndCompareCommands(t *testing.T) {
	base := writeRuns(t, 1, 0, nil)
	slow := writeRuns(t, 21, 20_000, nil)
	other := writeRuns(t, 1, 0, map[string]string{"numworkers": "64"})
	out := t.TempDir()
	if got := run([]string{"report", base, "-o", out, "--no-plots"}); got != 0 {
		t.Fatalf("report: exit %d", got)
	}
	for _, f := range []string{reports.ReportFile, reports.BenchFile, reports.SummaryFile} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("report did not write %s: %v", f, err)
		}
	}
	if got := run([]string{"report", filepath.Join(base, "missing")}); got != 2 {
		t.Errorf("report of a missing dir: exit %d, want 2", got)
	}
	if got := run([]string{"report"}); got != 2 {
		t.Errorf("report without a dir: exit %d, want 2", got)
	}
	cmp := t.TempDir()
	if got := run([]string{"compare", base, slow, "-o", cmp}); got != 0 {
		t.Fatalf("compare: exit %d", got)
	}
	if _, err := os.Stat(filepath.Join(cmp, reports.CompareFile)); err != nil {
		t.Errorf("compare did not write %s: %v", reports.CompareFile, err)
	}
	if got := run([]string{"compare", base, other}); got != 2 {
		t.Errorf("compare of mismatched configs: exit %d, want 2", got)
	}
	if got := run([]string{"compare", base, other, "--force"}); got != 0 {
		t.Errorf("forced compare: exit %d, want 0", got)
	}
}
