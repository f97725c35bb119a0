package runner

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/internal/testcluster"
	"github.com/etlbench/etlbench/reports"
	"github.com/etlbench/etlbench/reports/result"
	"github.com/etlbench/etlbench/scenarios"
)

// TestRunStressShort runs the shipped stress scenario, shortened (3 s per
// cell, 3,000 objects) but with its 1,000 connections, on a real 3-target
// cluster: every cell (mixed inline ETL GET + PUT, and offline jobs, in
// every mode) completes without an error, and afterwards the nodes'
// goroutines and file descriptors are back near their baseline.
func TestRunStressShort(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts a cluster")
	}
	sc, err := scenarios.Load(filepath.Join("..", "stress.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.SetAll([]string{"duration=3s", "warmup=0s", "dataset.objects=3000", "cluster.mountpaths=1"}); err != nil {
		t.Fatal(err)
	}
	if sc.Load.Workers != 1000 {
		t.Fatalf("stress has %d workers, want 1000", sc.Load.Workers)
	}
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	base := map[string]testcluster.Usage{}
	baseG := map[string]int{}
	for _, n := range c.State.Nodes {
		u, err := testcluster.ReadUsage(n.PID)
		if err != nil {
			t.Fatal(err)
		}
		base[n.ID], baseG[n.ID] = u, testcluster.Goroutines(t, n.URL)
	}
	out := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	if _, err := Run(ctx, sc, RunOptions{Out: out, ProxyURL: c.ProxyURL, Stdout: io.Discard, Stderr: io.Discard,
		NoPlots: true, Display: DisplayLines}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	t.Logf("stress, shortened: %v", time.Since(start).Round(time.Second))
	rec := readRecord(t, out)
	if len(rec.Cells) != 6 {
		t.Fatalf("%d cells, want 6 (3 modes x mixed, etl-bucket)", len(rec.Cells))
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
	for _, res := range results {
		var ops []string
		for op, s := range res.Summary {
			ops = append(ops, op)
			if s.Ops == 0 || s.Errors != 0 {
				t.Errorf("%s: %s: %d ops, %d errors %v", res.CellID, op, s.Ops, s.Errors, s.ErrorsByClass)
			}
		}
		if res.Cell["op"] == result.OpMixed && (res.Summary[result.OpPut].Ops == 0 || res.Summary[result.OpETLGet].Ops == 0) {
			t.Errorf("%s: mixed load ran %v, want PUTs and inline ETL GETs", res.CellID, ops)
		}
		if res.Cell["op"] == result.OpETLBucket && res.Summary[result.OpETLBucket].Ops == 0 {
			t.Errorf("%s: no offline job ran (%v)", res.CellID, ops)
		}
	}
	// The run deleted its ETLs and closed its connections: the nodes'
	// goroutines and fds come back.
	checkNoETLs(t, c)
	const fdSlack, goSlack = 16, 24
	deadline := time.Now().Add(20 * time.Second)
	for {
		var over []string
		for _, n := range c.State.Nodes {
			u, err := testcluster.ReadUsage(n.PID)
			if err != nil {
				t.Fatal(err)
			}
			if u.FDs > base[n.ID].FDs+fdSlack {
				over = append(over, fmt.Sprintf("%s: %d fds (baseline %d)", n.ID, u.FDs, base[n.ID].FDs))
			}
			if g := testcluster.Goroutines(t, n.URL); g > baseG[n.ID]+goSlack {
				over = append(over, fmt.Sprintf("%s: %d goroutines (baseline %d)", n.ID, g, baseG[n.ID]))
			}
		}
		if len(over) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("fds or goroutines not back to baseline 20 s after the run: %s", strings.Join(over, "; "))
		}
		time.Sleep(250 * time.Millisecond)
	}
}
