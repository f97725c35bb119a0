package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/embedded"
	"github.com/etlbench/etlbench/internal/testcluster"
	"github.com/etlbench/etlbench/loadgen"
	"github.com/etlbench/etlbench/reports"
	"github.com/etlbench/etlbench/reports/result"
	"github.com/etlbench/etlbench/scenarios"
)

func readRecord(t *testing.T, out string) Record {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, RunFile))
	if err != nil {
		t.Fatal(err)
	}
	var rec Record
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

func checkNoETLs(t *testing.T, c *testcluster.Cluster) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	etls, err := c.Client.ETLList(ctx)
	if err != nil {
		t.Fatalf("etl list: %v", err)
	}
	if len(etls) != 0 {
		t.Errorf("ETLs left on the cluster: %+v", etls)
	}
}

// TestRunTiny runs a two-cell scenario (inline md5 over ws, and plain GET
// of the same data) on a real 3-target cluster.
func TestRunTiny(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts a cluster")
	}
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	sc := parse(t, `
name: tiny
seed: 5
dataset: {objects: 30, sizes: [4KiB], content: text}
transformers: [md5]
matrix:
  comm: [ws]
  op: [etl-get, get]
load: {workers: 2}
duration: 2s
`)
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	dir, err := Run(context.Background(), sc, RunOptions{Out: out, ProxyURL: c.ProxyURL, Stdout: &stdout, Stderr: &stderr, NoPlots: true, Display: DisplayLines})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, stderr.String())
	}
	if dir != out {
		t.Errorf("out dir %q, want %q", dir, out)
	}
	rec := readRecord(t, out)
	if len(rec.Cells) != 2 || rec.Interrupted || rec.Cluster.Started || rec.Cluster.Targets != 3 || rec.End.IsZero() {
		t.Fatalf("record: %+v", rec)
	}
	for _, cr := range rec.Cells {
		if cr.Status != StatusOK {
			t.Errorf("cell %s: %s %s", cr.ID, cr.Status, cr.Error)
		}
	}
	results, err := reports.LoadDir(filepath.Join(out, CellsDir))
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 {
		t.Fatalf("%d results", len(results))
	}
	for _, res := range results {
		if res.Scenario != "tiny" || res.Repeat != 1 || res.Cell["size"] != "4KiB" || res.Cell["op"] == "" {
			t.Errorf("result identity: scenario %q repeat %d cell %v", res.Scenario, res.Repeat, res.Cell)
		}
		op := res.Cell["op"]
		s, ok := res.Summary[op]
		if !ok || s.Ops == 0 || s.Errors != 0 {
			t.Errorf("%s: summary %+v", res.CellID, res.Summary)
		}
		if op == "etl-get" && (res.CellID != "comm=ws/direct_put=false/size=4KiB/transformer=md5/op=etl-get" || s.BytesOut != 32*s.Ops) {
			t.Errorf("etl-get cell %q: %d ops, %d bytes out (md5 hex is 32 bytes)", res.CellID, s.Ops, s.BytesOut)
		}
		if op == "etl-get" && !strings.Contains(strings.Join(res.Notes, "\n"), "initialized for this cell by etlbench run") {
			t.Errorf("etl-get notes: %q", res.Notes)
		}
		if op == "get" && s.BytesOut != 4096*s.Ops {
			t.Errorf("get: %d ops, %d bytes out", s.Ops, s.BytesOut)
		}
	}
	if _, err := os.Stat(filepath.Join(out, reports.ReportFile)); err != nil {
		t.Errorf("no report: %v", err)
	}
	if !strings.Contains(stdout.String(), "etl-get") || !strings.Contains(stdout.String(), "report:") {
		t.Errorf("stdout has no table:\n%s", stdout.String())
	}
	// Populated once, reused by the second cell.
	if n := strings.Count(stderr.String(), "populated "+rec.Cells[0].Bucket+":"); n != 1 {
		t.Errorf("dataset populated %d times:\n%s", n, stderr.String())
	}
	// The ETL is gone; the dataset stays, byte-exact, for the next run.
	checkNoETLs(t, c)
	ctx := context.Background()
	ents, err := c.Client.ListAll(ctx, rec.Cells[0].Bucket, "")
	if err != nil || len(ents) != 30 {
		t.Fatalf("dataset bucket: %d objects, %v", len(ents), err)
	}
	spec := sc.Points()[0].Data.Spec()
	got, err := c.Client.GetObjectBytes(ctx, rec.Cells[0].Bucket, spec.Name(7), apiGetOpts())
	if err != nil {
		t.Fatal(err)
	}
	r, _ := spec.Open(7)
	want, _ := io.ReadAll(r)
	if !bytes.Equal(got, want) {
		t.Errorf("object 7 differs from the generated data")
	}

	// A second run on the same cluster reuses the dataset as it is.
	stderr.Reset()
	if err := sc.Set("matrix.op=[get]"); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, sc, RunOptions{Out: out, ProxyURL: c.ProxyURL, Stdout: io.Discard, Stderr: &stderr, NoPlots: true, Display: DisplayLines}); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if !strings.Contains(stderr.String(), "already in place: reused") {
		t.Errorf("dataset not reused:\n%s", stderr.String())
	}
	if rec := readRecord(t, out); len(rec.Cells) != 1 {
		t.Errorf("the earlier run in %s was not replaced: %d cells", out, len(rec.Cells))
	}
}

// TestRunInterrupt cancels a run during its load: the cell drains, is
// recorded as interrupted, its ETL is deleted, and Run says so.
func TestRunInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts a cluster")
	}
	c := testcluster.Start(t, testcluster.Options{Targets: 2})
	sc := parse(t, `
name: interrupt
dataset: {objects: 10, sizes: [1KiB]}
transformers: [echo]
matrix: {comm: [hpush], op: [etl-get, get]}
load: {workers: 2}
duration: 60s
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	load := func(lctx context.Context, cfg loadgen.Config) (*result.Result, error) {
		time.AfterFunc(1500*time.Millisecond, cancel) // Ctrl-C during the first cell's load
		return loadgen.Run(lctx, cfg, nil)
	}
	out := filepath.Join(t.TempDir(), "out")
	start := time.Now()
	_, err := Run(ctx, sc, RunOptions{Out: out, ProxyURL: c.ProxyURL, Load: load, Stdout: io.Discard, Stderr: io.Discard, NoPlots: true})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("Run: %v", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Run took %v after the interrupt", d)
	}
	rec := readRecord(t, out)
	if !rec.Interrupted || rec.Cells[0].Status != StatusInterrupted || rec.Cells[1].Status != StatusPending {
		t.Errorf("record: interrupted %v, cells %+v", rec.Interrupted, rec.Cells)
	}
	checkNoETLs(t, c)
}

// TestRunFailedCell: a cell whose ETL cannot start is recorded as failed
// (error.txt, run.json) and the other cells still run.
func TestRunFailedCell(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts a cluster")
	}
	c := testcluster.Start(t, testcluster.Options{Targets: 1})
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("name: x\ninit_timeout: 2s\nruntime:\n  command: [\"/nonexistent/transformer\"]\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "s.yaml"), []byte(`
name: failing
dataset: {objects: 5, sizes: [1KiB]}
transformers: [{name: broken, spec: broken.yaml}]
matrix: {op: [etl-get, get]}
duration: 1s
`), 0o644)
	sc, err := scenarios.Load(filepath.Join(dir, "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	_, err = Run(context.Background(), sc, RunOptions{Out: out, ProxyURL: c.ProxyURL, Stdout: io.Discard, Stderr: io.Discard, NoPlots: true})
	if err == nil || !strings.Contains(err.Error(), "1 of 2 cell runs failed") {
		t.Fatalf("Run: %v", err)
	}
	rec := readRecord(t, out)
	for _, cr := range rec.Cells {
		switch cr.Axes["op"] {
		case "etl-get":
			b, _ := os.ReadFile(filepath.Join(out, cr.Dir, "error.txt"))
			if cr.Status != StatusFailed || !strings.Contains(cr.Error, "eb-broken-hpush") || len(b) == 0 {
				t.Errorf("broken cell: %+v, error.txt %q", cr, b)
			}
		case "get":
			if cr.Status != StatusOK {
				t.Errorf("get cell: %+v", cr)
			}
		}
	}
	checkNoETLs(t, c)
}

// TestRunBringsClusterUpAndDown: with no cluster given, Run starts an
// embedded one of the scenario's shape and brings it down at the end.
func TestRunBringsClusterUpAndDown(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts a cluster")
	}
	sc := parse(t, `
name: own-cluster
cluster: {targets: 2}
dataset: {objects: 5, sizes: [1KiB]}
matrix: {op: [get]}
duration: 1s
`)
	tmp := t.TempDir()
	cdir := filepath.Join(tmp, "cluster")
	t.Cleanup(func() { _ = embedded.Down(cdir) })
	root := filepath.Join(tmp, "results")
	now := func() time.Time { return time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC) }
	out, err := Run(context.Background(), sc, RunOptions{ResultsRoot: root, Now: now, ClusterDir: cdir, Binary: testcluster.Binary(t), Stdout: io.Discard, Stderr: io.Discard, NoPlots: true})
	if err != nil {
		t.Fatal(err)
	}
	if out != filepath.Join(root, "own-cluster-20310203-040506") {
		t.Errorf("default out %q", out)
	}
	if target, err := os.Readlink(filepath.Join(root, LatestLink)); err != nil || target != "own-cluster-20310203-040506" {
		t.Errorf("latest -> %q, %v", target, err)
	}
	rec := readRecord(t, out)
	if !rec.Cluster.Started || rec.Cluster.Targets != 2 || rec.Cells[0].Status != StatusOK {
		t.Errorf("record: %+v", rec)
	}
	if _, err := embedded.LoadState(cdir); err == nil {
		t.Error("the cluster the run started is still recorded")
	}
	if _, err := os.Stat(cdir); !os.IsNotExist(err) {
		t.Errorf("cluster dir left: %v", err)
	}
}

// TestRunKubernetesNeedsProxy: a kubernetes scenario without a proxy fails
// before starting anything.
func TestRunKubernetesNeedsProxy(t *testing.T) {
	sc := parse(t, "name: k\ncluster: {kind: kubernetes}\ndataset: {sizes: [1KiB]}\n")
	out := filepath.Join(t.TempDir(), "out")
	_, err := Run(context.Background(), sc, RunOptions{Out: out, ClusterDir: filepath.Join(t.TempDir(), "none"), Stdout: io.Discard, Stderr: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "--proxy") {
		t.Errorf("err = %v", err)
	}
}

func apiGetOpts() api.GetOpts { return api.GetOpts{} }
