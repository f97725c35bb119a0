package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/etlbench/etlbench/internal/testcluster"
)

// TestE2E runs the loader against a real embedded cluster (a proxy and 3
// targets as processes on loopback, transformers as their children).
func TestE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: skipped with -short")
	}
	tc := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	base := func(bck string) Config {
		return Config{Proxy: tc.ProxyURL, Bucket: bck, StatsInterval: 500 * time.Millisecond, Seed: 11,
			MinSize: 1 << 10, MaxSize: 64 << 10, Display: "none", Workers: 4}
	}
	if err := Populate(ctx, tc.Client, "src", 60, SizeDist{Min: 1 << 10, Max: 32 << 10}, nil); err != nil {
		t.Fatal(err)
	}
	noETLs := func(t *testing.T) {
		t.Helper()
		l, err := tc.Client.ETLList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(l) != 0 {
			t.Errorf("ETLs left on the cluster: %+v", l)
		}
	}

	t.Run("closed-loop", func(t *testing.T) {
		cfg := base("src")
		cfg.Duration, cfg.PctPut, cfg.Op, cfg.VerifyHash, cfg.Cleanup = 1500*time.Millisecond, 20, OpMixed, true, true
		cfg.OutDir = t.TempDir()
		res, err := Run(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		g, p := res.Summary[OpGet], res.Summary[OpPut]
		if g.Ops == 0 || p.Ops == 0 || g.Errors+p.Errors != 0 {
			t.Fatalf("get %+v put %+v notes %v", g, p, res.Notes)
		}
		if res.Cluster.Targets != 3 || res.Cluster.Kind != "embedded" {
			t.Errorf("cluster info %+v", res.Cluster)
		}
		if n := hlogCount(t, filepath.Join(cfg.OutDir, "get.hlog")); n != g.Ops {
			t.Errorf("get.hlog %d values, summary %d", n, g.Ops)
		}
		l, err := tc.Client.ListAll(ctx, "src", "")
		if err != nil || len(l) != 60 {
			t.Errorf("after --cleanup the bucket has %d objects (%v), want 60", len(l), err)
		}
	})

	t.Run("open-loop-rate", func(t *testing.T) {
		cfg := base("src")
		cfg.Duration, cfg.Warmup, cfg.Rate, cfg.Workers = 4*time.Second, 500*time.Millisecond, 150, 16
		probe := startSchedProbe(t)
		res, err := Run(ctx, cfg, nil)
		hiccup := probe.Stop()
		if err != nil {
			t.Fatal(err)
		}
		s := res.Summary[OpGet]
		d := s.OpsPerSec/cfg.Rate - 1
		t.Logf("target %.0f/s achieved %.2f/s (%+.2f%%), missed %d, p99 %.0fus, service p99 %.0fus",
			cfg.Rate, s.OpsPerSec, 100*d, s.Missed, s.LatencyUS.P99, s.ServiceLatencyUS.P99)
		// The bound is 2% when the cluster keeps up; a loaded CI
		// machine (-race, other packages) sometimes does not, so 2% is
		// logged and 10% fails. Too few sends fail only when the machine
		// ran the loader on time: sends made late (corrected latency above
		// the service latency) or a process kept from the CPU (the probe)
		// are the machine's.
		late := (s.LatencyUS.P99 - s.ServiceLatencyUS.P99) / 1e3
		machine := late >= 100 || hiccup >= machineHiccup
		if d > 0.10 || (d < -0.10 && !machine) || s.Errors != 0 {
			t.Errorf("achieved %.1f ops/s for %.0f (%+.1f%%; p99 %.0f ms later than the service p99, CPU waits up to %v), %d errors",
				s.OpsPerSec, cfg.Rate, 100*d, late, hiccup, s.Errors)
		} else if d > 0.02 || d < -0.02 {
			t.Logf("outside 2%% on this machine")
		}
		if s.TargetRate != cfg.Rate || s.ServiceLatencyUS == nil {
			t.Errorf("open-loop fields: %+v", s)
		}
	})

	t.Run("mixed-put-etl-get", func(t *testing.T) {
		cfg := base("src")
		cfg.Op, cfg.PctPut, cfg.ETLName, cfg.Comm, cfg.Verify = OpMixed, 30, "md5", "hpull", true
		cfg.Duration, cfg.Cleanup = 2*time.Second, true
		res, err := Run(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		g, p := res.Summary[OpETLGet], res.Summary[OpPut]
		if g.Ops == 0 || p.Ops == 0 || g.Errors+p.Errors != 0 {
			t.Fatalf("etl-get %+v put %+v notes %v", g, p, res.Notes)
		}
		share := float64(p.Ops) / float64(p.Ops+g.Ops)
		t.Logf("%d PUTs, %d ETL GETs (PUT share %.2f)", p.Ops, g.Ops, share)
		if share < 0.15 || share > 0.45 {
			t.Errorf("PUT share %.2f, want about 0.30", share)
		}
		if g.BytesOut != 32*g.Ops {
			t.Errorf("md5 output bytes %d for %d objects", g.BytesOut, g.Ops)
		}
		noETLs(t)
	})

	t.Run("offline-job", func(t *testing.T) {
		// Through a front that refuses etlcore's private /v1/jobs: the
		// loader follows the job through AIStore's job API only.
		front := testcluster.StartAISFront(t, tc.ProxyURL)
		cfg := base("src")
		cfg.Proxy = front.URL
		cfg.Op, cfg.ETLName, cfg.ETLArgs, cfg.Comm, cfg.DirectPut, cfg.Verify = OpETLBucket, "hash-with-args", "5", "hpush", true, true
		cfg.Epochs, cfg.Cleanup = 1, true
		cfg.OutDir = t.TempDir()
		res, err := Run(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		s := res.Summary[OpETLBucket]
		if s.Ops != 60 || s.Errors != 0 || s.BytesOut != 60*16 || s.OpsPerSec <= 0 || len(res.Jobs) != 1 {
			t.Fatalf("%+v jobs %s notes %v", s, res.Jobs, res.Notes)
		}
		if !strings.Contains(string(res.Jobs[0]), `"state":"finished"`) || !strings.Contains(string(res.Jobs[0]), `"direct_put":true`) {
			t.Errorf("job status: %s", res.Jobs[0])
		}
		if r := front.Refused(); len(r) != 0 || front.Count("GET /v1/cluster?what=status") == 0 || front.Count("GET /v1/cluster?what=qryxstats") == 0 {
			t.Errorf("requests to private endpoints %q; want none, and the job followed through what=status and qryxstats", r)
		}
		if ok, _ := tc.Client.HeadBucket(ctx, "src-out"); ok {
			t.Error("--cleanup left the destination bucket the run created")
		}
		noETLs(t)
	})

	t.Run("ctrl-c", func(t *testing.T) {
		var out bytes.Buffer
		cmd := exec.Command(tc.Binary, "load", "--proxy", tc.ProxyURL, "-bucket=src", "-duration=1m",
			"--op", "etl-get", "--etl", "echo", "--comm", "ws", "--rate", "50", "-statsinterval=300ms", "--display", "lines")
		w := &lockedWriter{w: &out}
		cmd.Stdout, cmd.Stderr = w, w
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(w.String(), " etl-get ") {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("no progress line in 30 s:\n%s", w.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		if procs := childProcs(tc); len(procs) != 3 {
			t.Errorf("want 3 transformer processes while the ETL runs, see %v", procs)
		}
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		var err error
		select {
		case err = <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("still running 30 s after SIGINT:\n%s", w.String())
		}
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 {
			t.Errorf("exit: %v, want status 130", err)
		}
		o := w.String()
		for _, want := range []string{"--- summary", "etl-get", "stopped: interrupted", "interrupted"} {
			if !strings.Contains(o, want) {
				t.Errorf("output lacks %q:\n%s", want, o)
			}
		}
		noETLs(t)
		if procs := childProcs(tc); len(procs) != 0 {
			t.Errorf("transformer processes left: %v", procs)
		}
	})
}

// childProcs lists the processes whose parent is a node of the cluster
// (the transformers the targets run), as "pid cmdline".
func childProcs(tc *testcluster.Cluster) []string {
	nodes := map[int]bool{}
	for _, n := range tc.State.Nodes {
		nodes[n.PID] = true
	}
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		i := bytes.LastIndexByte(st, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(st[i+1:]))
		if len(f) < 2 || f[0] == "Z" {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		if nodes[ppid] {
			cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			out = append(out, fmt.Sprintf("%d %s", pid, bytes.ReplaceAll(cmd, []byte{0}, []byte{' '})))
		}
	}
	return out
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}
