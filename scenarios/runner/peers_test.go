package runner

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/etlbench/etlbench/etlcore/embedded"
	"github.com/etlbench/etlbench/internal/aisnode"
	"github.com/etlbench/etlbench/internal/aisnode/aisnodetest"
	"github.com/etlbench/etlbench/internal/testcluster"
	"github.com/etlbench/etlbench/reports"
	"github.com/etlbench/etlbench/reports/result"
)

// TestRunPeers runs the shipped scenarios/peers.yaml with `etlbench run
// --set duration=5s` (one repeat, no warm-up, to stay short): every cell
// runs on both clusters (an embedded etlcore and an aisnode cluster the
// run brings up) without an error, every result has the servers' CPU, the
// report has the "etlcore vs AIStore" section with 16 KiB and 1 MiB PUT
// and GET, and nothing of either cluster (process, directory) is left.
func TestRunPeers(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts an etlcore and an aisnode cluster")
	}
	aisBin := aisnodetest.Binary(t)
	bin := testcluster.Binary(t)
	tmp := t.TempDir()
	cdir, adir, out := filepath.Join(tmp, "etlcore"), filepath.Join(tmp, "aisnode"), filepath.Join(tmp, "out")
	t.Cleanup(func() {
		_ = embedded.Down(cdir)
		_ = aisnode.Down(adir)
	})
	cmd := exec.Command(bin, "run", "-s", filepath.Join("..", "peers.yaml"), "--set", "duration=5s",
		"--set", "repeats=1", "--set", "warmup=0s", "--set", "dataset.objects=60",
		"--cluster-dir", cdir, "--aisnode-dir", adir, "--aisnode", aisBin, "-o", out, "--display", "lines", "--no-plots")
	cmd.Env = append(os.Environ(), "AIS_ENDPOINT=")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("etlbench run: %v\n%s", err, b)
	}
	rec := readRecord(t, out)
	if len(rec.Peers) != 2 {
		t.Errorf("run.json peers: %+v, want etlcore and aisnode", rec.Peers)
	}
	seen := map[string]int{}
	for _, c := range rec.Cells {
		if c.Status != StatusOK {
			t.Errorf("cell %s: %s %s", c.ID, c.Status, c.Error)
		}
		seen[c.Axes["cluster"]]++
		raw, err := os.ReadFile(filepath.Join(out, c.Dir, "result.json"))
		if err != nil {
			t.Errorf("cell %s: %v", c.ID, err)
			continue
		}
		var res result.Result
		if err := json.Unmarshal(raw, &res); err != nil {
			t.Fatal(err)
		}
		if res.ServerCPU == nil || res.ServerCPU.Seconds <= 0 || res.ServerCPU.Processes != 4 || res.ServerCPU.Ops == 0 {
			t.Errorf("cell %s: server CPU %+v, want 4 processes' CPU and the ops", c.ID, res.ServerCPU)
		}
		for op, s := range res.Summary {
			if s.Errors != 0 || s.Ops == 0 {
				t.Errorf("cell %s %s: %d ops, %d errors", c.ID, op, s.Ops, s.Errors)
			}
		}
	}
	if seen["etlcore"] != 4 || seen["aisnode"] != 4 {
		t.Errorf("cells per cluster: %v, want 4 each", seen)
	}
	var sum reports.Report
	raw, err := os.ReadFile(filepath.Join(out, reports.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &sum); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, p := range sum.Peers {
		got[p.Axes["size"]+" "+p.Op] = true
		if p.EtlcoreCPU.N == 0 || p.AIStoreCPU.N == 0 || !(p.Ratio > 0) || !(p.CoreRatio > 0) {
			t.Errorf("peer row %s %s: %+v", p.Cell, p.Op, p)
		}
	}
	for _, k := range []string{"16KiB get", "16KiB put", "1MiB get", "1MiB put"} {
		if !got[k] {
			t.Errorf("the etlcore vs AIStore rows lack %s: %v", k, got)
		}
	}
	md, err := os.ReadFile(filepath.Join(out, reports.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "## etlcore vs AIStore") {
		t.Errorf("report.md has no 'etlcore vs AIStore' section")
	}
	for _, d := range []string{cdir, adir} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s left after the run", d)
		}
	}
	if left := processesNaming(tmp); len(left) > 0 {
		t.Errorf("processes left after the run: %v", left)
	}
}

// processesNaming lists the pids whose command line contains s.
func processesNaming(s string) []string {
	ents, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), s) && !strings.Contains(string(b), "peers.yaml") {
			out = append(out, e.Name()+": "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return out
}
