package loadgen

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

func baseConfig(f *fakeCluster) Config {
	return Config{Proxy: f.URL(), Bucket: "src", StatsInterval: 200 * time.Millisecond, Seed: 42,
		MinSize: 1024, MaxSize: 4096, Display: "lines"}
}

func TestClosedLoopMixed(t *testing.T) {
	f := newFakeCluster(t)
	f.addObjects("src", 50, 2048)
	cfg := baseConfig(f)
	cfg.Duration, cfg.Workers, cfg.PctPut, cfg.Op = 800*time.Millisecond, 4, 30, OpMixed
	cfg.OutDir = t.TempDir()
	cfg.VerifyHash = true
	var out bytes.Buffer
	res, err := Run(context.Background(), cfg, &out)
	if err != nil {
		t.Fatal(err)
	}
	get, put := res.Summary[OpGet], res.Summary[OpPut]
	if get.Ops == 0 || put.Ops == 0 {
		t.Fatalf("want gets and puts, got %+v / %+v", get, put)
	}
	if get.Errors+put.Errors != 0 {
		t.Fatalf("errors: %+v %v", res.Summary, res.Notes)
	}
	share := float64(put.Ops) / float64(put.Ops+get.Ops)
	if share < 0.2 || share > 0.4 {
		t.Errorf("PUT share %.2f, want about 0.30", share)
	}
	if put.BytesIn < put.Ops*1024 || put.BytesIn > put.Ops*4096 {
		t.Errorf("PUT bytes in %d for %d ops of 1..4 KiB", put.BytesIn, put.Ops)
	}
	if get.BytesOut == 0 || get.LatencyUS.P50 <= 0 || get.LatencyUS.Max < get.LatencyUS.P99 {
		t.Errorf("GET summary: %+v", get)
	}
	if get.ServiceLatencyUS != nil || res.Model != "closed" {
		t.Errorf("closed loop has no service latency: %+v, model %s", get.ServiceLatencyUS, res.Model)
	}
	if got := f.count("src"); got != 50+int(put.Ops) {
		t.Errorf("bucket has %d objects, want 50 + %d", got, put.Ops)
	}
	// Files: result.json, get.hlog, put.hlog.
	back, err := ReadResult(cfg.OutDir)
	if err != nil {
		t.Fatal(err)
	}
	if back.Summary[OpGet].Ops != get.Ops || back.Seed != 42 || back.Config["pctput"] != "30" {
		t.Errorf("result.json differs: %+v", back.Summary)
	}
	for _, op := range []string{OpGet, OpPut} {
		n := hlogCount(t, filepath.Join(cfg.OutDir, op+".hlog"))
		if n != res.Summary[op].Ops {
			t.Errorf("%s.hlog holds %d values, summary %d", op, n, res.Summary[op].Ops)
		}
	}
	if !strings.Contains(out.String(), "p99.9") || !strings.Contains(out.String(), "summary") {
		t.Errorf("progress output:\n%s", out.String())
	}
	if res.Loader.PeakRSSBytes <= 0 || res.Loader.CPUSeconds <= 0 || res.Loader.Goroutines <= 0 {
		t.Errorf("loader stats: %+v", res.Loader)
	}
}

// hlogCount returns the number of values in the untagged histograms of an hlog.
func hlogCount(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := hdr.NewHistogramLogReader(f)
	var n int64
	for {
		h, err := r.NextIntervalHistogram()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if h == nil {
			return n
		}
		if h.Tag() == "" {
			n += h.TotalCount()
		}
	}
}

func TestOpenLoopRate(t *testing.T) {
	f := newFakeCluster(t)
	f.addObjects("src", 20, 1024)
	cfg := baseConfig(f)
	cfg.Duration, cfg.Workers, cfg.Rate = 2*time.Second, 8, 300
	cfg.Warmup = 300 * time.Millisecond
	probe := startSchedProbe(t)
	res, err := Run(context.Background(), cfg, nil)
	hiccup := probe.Stop()
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary[OpGet]
	if s.TargetRate != 300 || s.ServiceLatencyUS == nil || res.Model != "open" {
		t.Fatalf("open-loop summary: %+v", s)
	}
	// Within 2% when the machine keeps up; a loaded 2-core CI machine
	// running -race does not always, so the hard bound here is looser and
	// the 2% goal is reported, not failed. Too few sends fail only when
	// the machine ran the loader on time: sends made late (corrected
	// latency above the service latency) or a process kept from the CPU
	// (the probe) are the machine's.
	late := (s.LatencyUS.P99 - s.ServiceLatencyUS.P99) / 1e3
	machine := late >= 100 || hiccup >= machineHiccup
	if d := s.OpsPerSec/300 - 1; d > 0.25 || (d < -0.25 && !machine) {
		t.Errorf("achieved %.1f ops/s for 300 (%.1f%%; p99 %.0f ms later than the service p99, CPU waits up to %v)",
			s.OpsPerSec, 100*d, late, hiccup)
	} else if d > 0.02 || d < -0.02 {
		t.Logf("achieved %.1f ops/s for 300 (%.1f%%; p99 %.0f ms later than the service p99, CPU waits up to %v): outside 2%% on this machine",
			s.OpsPerSec, 100*d, late, hiccup)
	}
	if s.Missed != 0 {
		t.Errorf("missed %d", s.Missed)
	}
	if res.Duration < 1.99 || res.Duration > 2.01 {
		t.Errorf("measured %.3fs of a 2s run", res.Duration)
	}
	if s.LatencyUS.P50 < s.ServiceLatencyUS.P50 {
		t.Errorf("corrected p50 %v below service p50 %v", s.LatencyUS.P50, s.ServiceLatencyUS.P50)
	}
	warm := 0
	for _, iv := range res.Intervals {
		if iv.Warmup {
			warm++
		}
	}
	if warm != 2 {
		t.Errorf("%d warm-up intervals, want 2 (200ms + 100ms)", warm)
	}
}
