package reports_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/reports"
	"github.com/etlbench/etlbench/reports/reportstest"
	"github.com/etlbench/etlbench/reports/result"
)

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func oneResult(t *testing.T) *result.Result {
	t.Helper()
	rs, err := reportstest.Results(reportstest.Cell{Axes: map[string]string{"comm": "hpush"}, Intervals: 2})
	if err != nil {
		t.Fatal(err)
	}
	return rs[0]
}

func TestLoadDirFindsEveryResultInOrder(t *testing.T) {
	dir := t.TempDir()
	rs, err := reportstest.Results(
		reportstest.Cell{Axes: map[string]string{"comm": "hpush"}, Repeats: 2, Intervals: 2},
		reportstest.Cell{Axes: map[string]string{"comm": "ws"}, Repeats: 3, Intervals: 2},
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := reportstest.WriteDir(dir, rs); err != nil {
		t.Fatal(err)
	}
	// Files that are not result.json are ignored.
	if err := os.WriteFile(filepath.Join(dir, "notes.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := reports.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("loaded %d results, want 5", len(got))
	}
	if got[0].Cell["comm"] != "hpush" || got[4].Cell["comm"] != "ws" || got[4].Repeat != 2 {
		t.Errorf("unexpected order: first %v/%d, last %v/%d", got[0].Cell, got[0].Repeat, got[4].Cell, got[4].Repeat)
	}
	// One file can be named directly.
	one, err := reports.LoadDir(filepath.Join(dir, "comm-ws", "r1", "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 1 || one[0].Repeat != 1 {
		t.Errorf("loading one file: %d results", len(one))
	}
}

func TestLoadDirErrors(t *testing.T) {
	good := oneResult(t)
	badSchema := *good
	badSchema.Schema = "something/else"
	empty := *good
	empty.Summary, empty.Intervals = nil, nil
	badHist := *good
	badHist.Intervals = append([]result.Interval(nil), good.Intervals...)
	badHist.Intervals[1] = result.Interval{Ops: map[string]result.IntervalOp{"etl-get": {Ops: 1, Hist: "bm90IGEgaGlzdG9ncmFt"}}}
	negative := *good
	negative.Summary = map[string]result.OpSummary{"get": {Ops: -1}}

	cases := []struct {
		name  string
		setup func(dir string) string // returns the dir to load
		want  []string
	}{
		{"missing dir", func(dir string) string { return filepath.Join(dir, "nope") }, []string{"nope", "does not exist"}},
		{"no results", func(dir string) string { return dir }, []string{"no result.json files under"}},
		{"bad json", func(dir string) string {
			p := filepath.Join(dir, "a", "result.json")
			writeJSON(t, p, good)
			if err := os.WriteFile(p, []byte(`{"schema": "etlbench/result/v1", "summary": [`), 0o644); err != nil {
				t.Fatal(err)
			}
			return dir
		}, []string{filepath.Join("a", "result.json"), "invalid JSON"}},
		{"wrong schema", func(dir string) string {
			writeJSON(t, filepath.Join(dir, "b", "result.json"), &badSchema)
			return dir
		}, []string{filepath.Join("b", "result.json"), `"something/else"`, result.SchemaV1}},
		{"nothing measured", func(dir string) string {
			writeJSON(t, filepath.Join(dir, "c", "result.json"), &empty)
			return dir
		}, []string{filepath.Join("c", "result.json"), "nothing was measured"}},
		{"corrupt histogram", func(dir string) string {
			writeJSON(t, filepath.Join(dir, "ok", "result.json"), good)
			writeJSON(t, filepath.Join(dir, "zz", "result.json"), &badHist)
			return dir
		}, []string{filepath.Join("zz", "result.json"), "interval 1", `"etl-get"`, "histogram"}},
		{"negative counts", func(dir string) string {
			writeJSON(t, filepath.Join(dir, "n", "result.json"), &negative)
			return dir
		}, []string{filepath.Join("n", "result.json"), "negative"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := c.setup(t.TempDir())
			_, err := reports.LoadDir(dir)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
