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
// a stall window [offset + k*period, offset + k*period + stall) is held
// until the window ends.
type staller struct {
	t0                    time.Time
	period, stall, offset time.Duration
	mu                    sync.Mutex
	stalled               int
}

func (s *staller) before(w http.ResponseWriter, r *http.Request) bool {
	since := time.Since(s.t0) - s.offset
	if since < 0 {
		return false
	}
	if in := since % s.period; in < s.stall {
		s.mu.Lock()
		s.stalled++
		s.mu.Unlock()
		time.Sleep(s.stall - in)
	}
	return false
}

// A server that stalls (here 500 ms every 2.5 s, the 1 s every
// 10 s scaled down): the open loop's corrected p99.9 shows the stall, the
// service time (uncorrected, what a closed-loop loader would report) does
// not; both are in the result and its intervals.
func TestStallShowsInCorrectedLatencyOnly(t *testing.T) {
	f := newFakeCluster(t)
	f.addObjects("src", 20, 512)
	const stall = 500 * time.Millisecond
	st := &staller{period: 2500 * time.Millisecond, stall: stall, offset: 1200 * time.Millisecond}
	f.before = st.before
	cfg := baseConfig(f)
	cfg.Duration, cfg.Rate, cfg.Workers = 5*time.Second, 500, 1
	cfg.StatsInterval = time.Second
	cfg.OutDir = t.TempDir()
	st.t0 = time.Now()
	res, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary[OpGet]
	t.Logf("ops %d, corrected %+v", s.Ops, s.LatencyUS)
	t.Logf("service %+v, stalled requests %d, missed %d", *s.ServiceLatencyUS, st.stalled, s.Missed)
	if st.stalled < 2 {
		t.Fatalf("only %d requests hit a stall window", st.stalled)
	}
	if s.Ops < 2000 {
		t.Fatalf("only %d ops: too few for p99.9 to ignore the stalled sends", s.Ops)
	}
	// Thresholds at 80% of the stall leave room for a busy machine's own
	// scheduling hiccups.
	limit := 0.8 * float64(stall/time.Microsecond)
	if s.LatencyUS.P999 < limit || s.LatencyUS.Max < limit {
		t.Errorf("corrected p99.9 %.0fus / max %.0fus do not show the %s stall", s.LatencyUS.P999, s.LatencyUS.Max, stall)
	}
	if s.ServiceLatencyUS.P999 >= limit {
		t.Errorf("service p99.9 %.0fus shows the stall; it should not", s.ServiceLatencyUS.P999)
	}
	if s.ServiceLatencyUS.Max < limit {
		t.Errorf("service max %.0fus: the stalled request itself is missing", s.ServiceLatencyUS.Max)
	}
	if s.Missed != 0 {
		t.Errorf("missed %d sends, the stall is shorter than the max lag", s.Missed)
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
