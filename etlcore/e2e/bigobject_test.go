package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/runtime"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// patternReader streams size deterministic, non-repeating bytes without
// holding them: byte p is byte p%8 of the word (p/8)*K.
type patternReader struct{ off, size int64 }

func (r *patternReader) Read(b []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	if rem := r.size - r.off; int64(len(b)) > rem {
		b = b[:rem]
	}
	for i := range b {
		p := uint64(r.off) + uint64(i)
		b[i] = byte(((p >> 3) * 0x9E3779B97F4A7C15) >> ((p & 7) * 8))
	}
	r.off += int64(len(b))
	return len(b), nil
}

// bigModes are the paths a big object takes: the three modes and an hpush
// pipeline of two echoes.
var bigModes = []string{"hpush", "hpull", "ws", "pipeline"}

// bigObjectResult is what one big-object run measured.
type bigObjectResult struct {
	size            int64
	targetBase      int64            // target's VmHWM right after start
	targetAfterPut  int64            // ... after the PUT
	targetPeak      int64            // ... after every mode
	transformerBase map[string]int64 // per mode: transformer's VmHWM once Running
	transformerPeak map[string]int64 // per mode: transformer's VmHWM after the GET
	mibPerSec       map[string]float64
}

// pidOfTransformer finds the transformer process of etl started by cluster c
// (its environment holds the ETL's _object URL and the cluster's directory).
func pidOfTransformer(c *testcluster.Cluster, etl string) (int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, fmt.Errorf("read /proc: %w", err)
	}
	for _, e := range ents {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if strings.Contains(string(env), "/v1/etl/_object/"+etl+"/") && strings.Contains(string(env), c.Dir) {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no transformer process of %s found", etl)
}

func peakRSS(tb testing.TB, pid int, what string) int64 {
	tb.Helper()
	m, err := runtime.ReadProcStat(pid)
	if err != nil {
		tb.Fatalf("peak RSS of %s (pid %d): %v", what, pid, err)
	}
	return m.PeakRSS
}

// runBigObject PUTs one object of size bytes (streamed, hashed on the way)
// into a fresh one-target cluster and GETs it through echo in every mode
// and an hpush pipeline, fresh ETLs (so fresh transformer processes) each time, checking the
// streamed output's length and xxhash64 against the input's. Peak RSS
// (VmHWM) of the target and of each transformer is recorded.
func runBigObject(tb testing.TB, size int64) *bigObjectResult {
	tb.Helper()
	c := testcluster.Start(tb, testcluster.Options{Targets: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cl := c.Client
	tpid := c.Target(1).PID
	res := &bigObjectResult{size: size, transformerBase: map[string]int64{}, transformerPeak: map[string]int64{}, mibPerSec: map[string]float64{}}
	res.targetBase = peakRSS(tb, tpid, "target")
	if err := cl.CreateBucket(ctx, "big"); err != nil {
		tb.Fatal(err)
	}
	hin := xxhash.New()
	if err := cl.PutObject(ctx, "big", "obj", io.TeeReader(&patternReader{size: size}, hin), size); err != nil {
		tb.Fatalf("put %d MiB: %v", size>>20, err)
	}
	want := hin.Sum64()
	res.targetAfterPut = peakRSS(tb, tpid, "target")
	for _, mode := range bigModes {
		// "pipeline": echo -> echo over hpush, the second stage gets the
		// bytes in the request body (the target passes etl_fqn otherwise).
		names := []string{"big-echo-" + mode}
		comm := mode
		if mode == "pipeline" {
			names, comm = []string{"big-echo-p1", "big-echo-p2"}, "hpush"
		}
		pids := make([]int, len(names))
		for i, name := range names {
			if _, err := cl.ETLInit(ctx, echoSpec(name, comm)); err != nil {
				tb.Fatalf("init %s: %v", name, err)
			}
			pid, err := pidOfTransformer(c, name)
			if err != nil {
				tb.Fatal(err)
			}
			pids[i] = pid
			res.transformerBase[mode] = max(res.transformerBase[mode], peakRSS(tb, pid, "transformer "+name))
		}
		start := time.Now()
		resp, err := cl.GetObject(ctx, "big", "obj", api.GetOpts{ETLName: names[0], Pipeline: names[1:]})
		if err != nil {
			tb.Fatalf("%s: get: %v", mode, err)
		}
		hout := xxhash.New()
		n, err := io.CopyBuffer(hout, resp.Body, make([]byte, 256<<10))
		resp.Body.Close()
		if err != nil || n != size {
			tb.Fatalf("%s: %d of %d bytes back: %v", mode, n, size, err)
		}
		if got := hout.Sum64(); got != want {
			tb.Fatalf("%s: output xxhash64 %016x, input %016x", mode, got, want)
		}
		res.mibPerSec[mode] = float64(size) / (1 << 20) / time.Since(start).Seconds()
		for i, name := range names {
			res.transformerPeak[mode] = max(res.transformerPeak[mode], peakRSS(tb, pids[i], "transformer "+name))
			if err := cl.ETLDelete(ctx, name); err != nil {
				tb.Fatalf("delete %s: %v", name, err)
			}
		}
	}
	res.targetPeak = peakRSS(tb, tpid, "target")
	return res
}

func (r *bigObjectResult) log(tb testing.TB) {
	tb.Helper()
	tb.Logf("%d MiB object: target peak RSS %d MiB (at start %d MiB, after PUT %d MiB)", r.size>>20, r.targetPeak>>20, r.targetBase>>20, r.targetAfterPut>>20)
	for _, mode := range bigModes {
		tb.Logf("  %-8s echo: %.0f MiB/s, transformer peak RSS %d MiB (once running %d MiB)", mode, r.mibPerSec[mode], r.transformerPeak[mode]>>20, r.transformerBase[mode]>>20)
	}
}

// TestBigObjectStreaming: a 128 MiB object through echo in every mode,
// byte-identical (hash), while neither the target's nor any transformer's
// peak RSS grows by 64 MiB or more: everything on the path streams.
func TestBigObjectStreaming(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	const size, maxGrowth = 128 << 20, 64 << 20
	r := runBigObject(t, size)
	r.log(t)
	if g := r.targetPeak - r.targetBase; g >= maxGrowth {
		t.Errorf("target peak RSS grew by %d MiB (from %d MiB), want < %d MiB", g>>20, r.targetBase>>20, maxGrowth>>20)
	}
	for _, mode := range bigModes {
		if g := r.transformerPeak[mode] - r.transformerBase[mode]; g >= maxGrowth {
			t.Errorf("%s: transformer peak RSS grew by %d MiB (from %d MiB), want < %d MiB", mode, g>>20, r.transformerBase[mode]>>20, maxGrowth>>20)
		}
	}
}

// bigObjectSize is the size of the gated big-object run.
const bigObjectSize = 1 << 30

// maxBigRSS bounds the peak RSS of the target and each transformer with a
// 1 GiB object.
const maxBigRSS = 128 << 20

func checkBigObject(tb testing.TB, r *bigObjectResult) {
	tb.Helper()
	if r.targetPeak >= maxBigRSS {
		tb.Errorf("target peak RSS %d MiB, want < %d MiB", r.targetPeak>>20, maxBigRSS>>20)
	}
	for _, mode := range bigModes {
		if p := r.transformerPeak[mode]; p >= maxBigRSS {
			tb.Errorf("%s: transformer peak RSS %d MiB, want < %d MiB", mode, p>>20, maxBigRSS>>20)
		}
	}
}

// TestBigObject1GiB (ETLBENCH_BIG_OBJECT=1): a 1 GiB object through echo in
// every mode with the target's and every transformer's peak RSS below 128 MiB.
func TestBigObject1GiB(t *testing.T) {
	if os.Getenv("ETLBENCH_BIG_OBJECT") != "1" {
		t.Skip("set ETLBENCH_BIG_OBJECT=1 to stream a 1 GiB object (slow)")
	}
	r := runBigObject(t, bigObjectSize)
	r.log(t)
	checkBigObject(t, r)
}

// BenchmarkBigObject1GiB runs the 1 GiB object through echo in every mode
// (one iteration: one fresh cluster) and reports throughput per mode and
// peak RSS of the target and the transformers.
func BenchmarkBigObject1GiB(b *testing.B) {
	var last *bigObjectResult
	for i := 0; i < b.N; i++ {
		last = runBigObject(b, bigObjectSize)
	}
	last.log(b)
	checkBigObject(b, last)
	var maxT int64
	for _, mode := range bigModes {
		b.ReportMetric(last.mibPerSec[mode], mode+"-MiB/s")
		maxT = max(maxT, last.transformerPeak[mode])
	}
	b.ReportMetric(float64(last.targetPeak)/(1<<20), "target-peak-RSS-MiB")
	b.ReportMetric(float64(maxT)/(1<<20), "transformer-peak-RSS-MiB")
}

// TestEchoStreamSizes: objects around the transformer SDK's and net/http's
// buffer sizes (32 KiB reply peek, 256 KiB unread-body limit) come back
// byte-identical through echo in every mode, alone and as a two-stage
// pipeline (the second stage gets the bytes pushed in a request body, which
// the SDK once cut short, and the first relays its answer).
func TestEchoStreamSizes(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 1})
	ctx := context.Background()
	cl := c.Client
	if err := cl.CreateBucket(ctx, "sizes"); err != nil {
		t.Fatal(err)
	}
	sizes := []int{0, 1, 4 << 10, 32 << 10, 40 << 10, 100 << 10, 256 << 10, 300 << 10, 1<<20 + 3}
	for _, size := range sizes {
		if err := cl.PutObject(ctx, "sizes", fmt.Sprintf("o-%d", size), io.LimitReader(&patternReader{size: int64(size)}, int64(size)), int64(size)); err != nil {
			t.Fatal(err)
		}
	}
	for _, mode := range benchModes {
		name, name2 := "sizes-echo-"+mode, "sizes-echo2-"+mode
		for _, n := range []string{name, name2} {
			if _, err := cl.ETLInit(ctx, echoSpec(n, mode)); err != nil {
				t.Fatalf("init %s: %v", n, err)
			}
		}
		for _, opts := range []api.GetOpts{{ETLName: name}, {ETLName: name, Pipeline: []string{name2}}} {
			for _, size := range sizes {
				got, err := cl.GetObjectBytes(ctx, "sizes", fmt.Sprintf("o-%d", size), opts)
				if err != nil {
					t.Fatalf("%s (pipeline %v) %d B: %v", mode, opts.Pipeline, size, err)
				}
				want, _ := io.ReadAll(&patternReader{size: int64(size)})
				if !bytes.Equal(got, want) {
					t.Fatalf("%s (pipeline %v) %d B: %d bytes back, not identical", mode, opts.Pipeline, size, len(got))
				}
			}
		}
	}
}
