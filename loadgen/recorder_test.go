package loadgen

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/etlbench/etlbench/reports/result"
)

// Histograms merged over the intervals equal the histogram of the whole
// run, count for count, even with recording and rotation concurrent.
func TestIntervalsMergeToWholeRun(t *testing.T) {
	rec := NewRecorder(true, OpGet, OpPut)
	refC, refS := result.NewHist(), result.NewHist()
	var refMu sync.Mutex
	res := &result.Result{}
	start := time.Now()
	var rotations atomic.Int64
	stopRot := make(chan struct{})
	rotDone := make(chan struct{})
	go func() {
		defer close(rotDone)
		cur := start
		for {
			select {
			case <-stopRot:
				return
			default:
				runtime.Gosched()
			}
			end := cur.Add(time.Millisecond)
			rot, err := rec.Rotate(cur, end, false)
			if err != nil {
				t.Error(err)
				return
			}
			res.Intervals = append(res.Intervals, rot.Interval)
			rotations.Add(1)
			cur = end
		}
	}()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 9))
			for i := 0; i < 20000; i++ {
				if i%2000 == 0 {
					// Let at least one rotation happen between batches.
					for seen := rotations.Load(); rotations.Load() == seen; {
						runtime.Gosched()
					}
				}
				lat := time.Duration(r.ExpFloat64()*float64(2*time.Millisecond)) + time.Microsecond
				svc := lat / 2
				rec.Done(OpGet, lat, svc, 10, 20)
				refMu.Lock()
				refC.RecordValue(micros(lat))
				refS.RecordValue(micros(svc))
				refMu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(stopRot)
	<-rotDone
	rot, err := rec.Rotate(time.Now(), time.Now(), false)
	if err != nil {
		t.Fatal(err)
	}
	res.Intervals = append(res.Intervals, rot.Interval)
	t.Logf("%d intervals", len(res.Intervals))
	if len(res.Intervals) < 3 {
		t.Fatalf("only %d intervals", len(res.Intervals))
	}
	mc, ms, err := MergeIntervals(res, OpGet)
	if err != nil {
		t.Fatal(err)
	}
	if mc.TotalCount() != 80000 || ms.TotalCount() != 80000 {
		t.Fatalf("merged counts %d/%d, want 80000", mc.TotalCount(), ms.TotalCount())
	}
	if !mc.Equals(refC) || !ms.Equals(refS) {
		t.Fatal("merged interval histograms differ from the whole-run histograms")
	}
	// Equals compares every count; check the percentiles explicitly too.
	for _, q := range []float64{50, 90, 99, 99.9, 100} {
		if a, b := mc.ValueAtPercentile(q), refC.ValueAtPercentile(q); a != b {
			t.Errorf("p%v: merged %d, whole %d", q, a, b)
		}
	}
	tot := rec.Total(OpGet)
	if !tot.Hist.Equals(refC) || tot.Ops != 80000 || tot.BytesIn != 800000 || tot.BytesOut != 1600000 {
		t.Errorf("recorder totals: ops %d in %d out %d", tot.Ops, tot.BytesIn, tot.BytesOut)
	}
	var ops int64
	for _, iv := range res.Intervals {
		ops += iv.Ops[OpGet].Ops
		if _, ok := iv.Ops[OpPut]; !ok {
			t.Fatal("interval without the put entry")
		}
	}
	if ops != 80000 {
		t.Errorf("interval ops add up to %d", ops)
	}
}

func TestWarmupNotInTotals(t *testing.T) {
	rec := NewRecorder(false, OpGet)
	rec.Done(OpGet, time.Millisecond, 0, 0, 5)
	rec.Fail(OpGet, ClassTimeout, 0, 0)
	if _, err := rec.Rotate(time.Now(), time.Now(), true); err != nil {
		t.Fatal(err)
	}
	rec.Done(OpGet, 2*time.Millisecond, 0, 0, 7)
	rec.Fail(OpGet, ClassCluster5xx, 0, 0)
	rot, err := rec.Rotate(time.Now(), time.Now(), false)
	if err != nil {
		t.Fatal(err)
	}
	tot := rec.Total(OpGet)
	if tot.Ops != 1 || tot.Errors != 1 || tot.BytesOut != 7 || tot.ErrorsByClass[ClassCluster5xx] != 1 || tot.ErrorsByClass[ClassTimeout] != 0 {
		t.Errorf("totals include warm-up: %+v", tot)
	}
	if rot.Interval.Ops[OpGet].ServiceHist != "" {
		t.Error("closed loop interval has a service histogram")
	}
	if tot.Hist.Max() < 1990 || tot.Hist.Max() > 2010 {
		t.Errorf("max %d us, want 2000", tot.Hist.Max())
	}
}

func TestMicrosClamp(t *testing.T) {
	if micros(0) != 1 || micros(-5) != 1 || micros(2*time.Hour) != result.HistMaxUS || micros(1500*time.Microsecond) != 1500 {
		t.Error("micros does not clamp to the histogram range")
	}
}
