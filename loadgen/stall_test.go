package loadgen

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// staller makes a server stall periodically: a request that arrives in
// a stall window [offset + k*period, offset + k*period + stall), counted
// from the first request (however long the loader's setup took), is held
// until the window ends.
type staller struct {
	period, stall, offset time.Duration
	mu                    sync.Mutex
	t0                    time.Time // the first request's arrival
	stalled               int
}

func (s *staller) before(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	if s.t0.IsZero() {
		s.t0 = time.Now()
	}
	since := time.Since(s.t0) - s.offset
	if since < 0 {
		s.mu.Unlock()
		return false
	}
	in := since % s.period
	if in < s.stall {
		s.stalled++
	}
	s.mu.Unlock()
	if in < s.stall {
		time.Sleep(s.stall - in)
	}
	return false
}

// A server that stalls (here 500 ms every 10 s, the 1 s every
// 10 s scaled down, so once in the 6 s run): the open loop's corrected
// p99.9 shows the stall, the service time (uncorrected, what a
// closed-loop loader would report) does not; both are in the result and
// its intervals. The single worker holds the one stalled request; at
// 250/s it has room to catch up after the stall on a loaded 2-core
// machine running -race (at 500/s it did not keep the rate there).
func TestStallShowsInCorrectedLatencyOnly(t *testing.T) {
	f := newFakeCluster(t)
	f.addObjects("src", 20, 512)
	const stall = 500 * time.Millisecond
	st := &staller{period: 10 * time.Second, stall: stall, offset: 1200 * time.Millisecond}
	f.before = st.before
	cfg := baseConfig(f)
	cfg.Duration, cfg.Rate, cfg.Workers = 6*time.Second, 250, 1
	cfg.StatsInterval = time.Second
	cfg.OutDir = t.TempDir()
	probe := startSchedProbe(t)
	res, err := Run(context.Background(), cfg, nil)
	hiccup := probe.Stop()
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary[OpGet]
	t.Logf("ops %d, corrected %+v", s.Ops, s.LatencyUS)
	t.Logf("service %+v, stalled requests %d, missed %d, CPU waits up to %v", *s.ServiceLatencyUS, st.stalled, s.Missed, hiccup)
	if st.stalled != 1 {
		t.Fatalf("%d requests hit the stall window, want the single worker's one", st.stalled)
	}
	// Thresholds at 80% of the stall leave room for a busy machine's own
	// scheduling hiccups.
	limit := 0.8 * float64(stall/time.Microsecond)
	if s.LatencyUS.P999 < limit || s.LatencyUS.Max < limit {
		t.Errorf("corrected p99.9 %.0fus / max %.0fus do not show the %s stall", s.LatencyUS.P999, s.LatencyUS.Max, stall)
	}
	if s.Missed != 0 {
		t.Errorf("missed %d sends, the stall is shorter than the max lag", s.Missed)
	}
	// The service side needs a machine that ran this process on time: one
	// that kept it from the CPU for half the stall gives service times
	// like the stall's and too few sends for p99.9 to ignore the stalled one.
	if hiccup >= stall/2 {
		t.Logf("this process waited up to %v for the CPU: the service latencies are not judged", hiccup)
	} else {
		if s.Ops < 1000 {
			t.Errorf("only %d ops: too few for p99.9 to ignore the stalled send", s.Ops)
		}
		if s.ServiceLatencyUS.P999 >= limit {
			t.Errorf("service p99.9 %.0fus shows the stall; it should not", s.ServiceLatencyUS.P999)
		}
		if s.ServiceLatencyUS.Max < limit {
			t.Errorf("service max %.0fus: the stalled request itself is missing", s.ServiceLatencyUS.Max)
		}
	}
	// Both views are in result.json, whole-run and per interval.
	back, err := ReadResult(filepath.Join(cfg.OutDir, ResultFile))
	if err != nil {
		t.Fatal(err)
	}
	mc, ms, err := MergeIntervals(back, OpGet)
	if err != nil {
		t.Fatal(err)
	}
	if float64(mc.ValueAtPercentile(99.9)) != back.Summary[OpGet].LatencyUS.P999 ||
		float64(ms.ValueAtPercentile(99.9)) != back.Summary[OpGet].ServiceLatencyUS.P999 {
		t.Error("summary percentiles differ from the merged interval histograms")
	}
	if _, err := os.Stat(filepath.Join(cfg.OutDir, "get.hlog")); err != nil {
		t.Error(err)
	}
}
