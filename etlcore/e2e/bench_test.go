package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/httpconn"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// The benchmarks below run against real clusters of processes on loopback.
// `make bench` runs them with -benchtime 1x, so every iteration does a fixed,
// meaningful amount of work and the numbers come from b.ReportMetric (MiB/s,
// ops/s, ratios); b.N > 1 just repeats that work.

const mib = 1 << 20

// benchLoad is one fixed amount of work: count objects of size bytes, moved
// by workers concurrent workers.
type benchLoad struct {
	size    int
	count   int
	workers int
}

func (l benchLoad) name() string {
	if l.size >= mib {
		return fmt.Sprintf("%dMiB", l.size/mib)
	}
	return fmt.Sprintf("%dKiB", l.size>>10)
}

// benchObjName names object i of load l (each size has its own prefix).
func (l benchLoad) objName(i int) string { return fmt.Sprintf("bench/%s/obj-%05d", l.name(), i) }

// runWorkers calls op(worker, i) for i in [0, n) from workers goroutines and
// returns the wall time; the first error stops the rest.
func runWorkers(n, workers int, op func(w, i int) error) (time.Duration, error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	var failed atomic.Bool
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := op(w, i); err != nil {
					once.Do(func() { first = err; failed.Store(true) })
					return
				}
			}
		}(w)
	}
	wg.Wait()
	return time.Since(start), first
}

// putBench stores l.count objects of l.size bytes (content varies by index)
// as bck/bench/<size>/obj-NNNNN and returns the wall time.
func putBench(ctx context.Context, cl *api.Client, bck string, l benchLoad) (time.Duration, error) {
	payload := content(int64(l.size), l.size+64)
	return runWorkers(l.count, l.workers, func(_, i int) error {
		b := payload[i%64 : i%64+l.size]
		if err := cl.PutObject(ctx, bck, l.objName(i), bytes.NewReader(b), int64(len(b))); err != nil {
			return fmt.Errorf("put %s: %w", l.objName(i), err)
		}
		return nil
	})
}

// getBench reads the l.count objects (through opts' ETL, if any) with one
// keep-alive connection per worker and checks every reply's length.
func getBench(ctx context.Context, cl *api.Client, bck string, l benchLoad, opts api.GetOpts) (time.Duration, error) {
	conns := make([]*httpconn.Conn, l.workers)
	for i := range conns {
		conns[i] = httpconn.New(cl)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	return runWorkers(l.count, l.workers, func(w, i int) error {
		resp, err := conns[w].GetObject(ctx, bck, l.objName(i), opts)
		if err != nil {
			return fmt.Errorf("get %s (etl %q): %w", l.objName(i), opts.ETLName, err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != int64(l.size) {
			return fmt.Errorf("get %s (etl %q): %d of %d bytes: %v", l.objName(i), opts.ETLName, n, l.size, err)
		}
		return nil
	})
}

func mibPerSec(l benchLoad, d time.Duration) float64 {
	return float64(l.size) * float64(l.count) / mib / d.Seconds()
}

func opsPerSec(l benchLoad, d time.Duration) float64 {
	return float64(l.count) / d.Seconds()
}

// benchCluster starts a 3-target cluster for a benchmark, outside its timer.
func benchCluster(b *testing.B) *testcluster.Cluster {
	b.Helper()
	b.StopTimer()
	defer b.StartTimer()
	return testcluster.Start(b, testcluster.Options{Targets: 3})
}

// BenchmarkObjects (issue 2): PUT and GET throughput of 4 KiB and 8 MiB
// objects through the proxy of a 3-target cluster, concurrent workers.
func BenchmarkObjects(b *testing.B) {
	c := benchCluster(b)
	ctx := context.Background()
	if err := c.Client.CreateBucket(ctx, "bench"); err != nil {
		b.Fatal(err)
	}
	for _, l := range []benchLoad{{size: 4 << 10, count: 4000, workers: 16}, {size: 8 * mib, count: 48, workers: 4}} {
		b.Run("size="+l.name()+"/op=put", func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				d, err := putBench(ctx, c.Client, "bench", l)
				if err != nil {
					b.Fatal(err)
				}
				total += d
			}
			b.ReportMetric(mibPerSec(l, total/time.Duration(b.N)), "MiB/s")
			b.ReportMetric(opsPerSec(l, total/time.Duration(b.N)), "ops/s")
		})
		b.Run("size="+l.name()+"/op=get", func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				d, err := getBench(ctx, c.Client, "bench", l, api.GetOpts{})
				if err != nil {
					b.Fatal(err)
				}
				total += d
			}
			b.ReportMetric(mibPerSec(l, total/time.Duration(b.N)), "MiB/s")
			b.ReportMetric(opsPerSec(l, total/time.Duration(b.N)), "ops/s")
		})
	}
}

// benchModes are the three communication modes.
var benchModes = []string{"hpush", "hpull", "ws"}

// echoSpec is the spec of an echo ETL with a generous object timeout.
func echoSpec(name, comm string) []byte {
	return specYAML(name, comm+"://", "etlbench/transformer-echo", "obj_timeout: 5m\n")
}

// inlineRounds is how many GET and ETL passes alternate in one iteration.
const inlineRounds = 6

// BenchmarkInlineETL (issues 4, 16): inline echo throughput of 64 KiB and
// 8 MiB objects per mode, its ratio to a plain GET of the same objects
// measured in the same iteration (ratio-to-get: 1 means the transform costs
// nothing), and the CPU the targets and the transformers spend per MiB
// delivered (from /proc), for the echo and for the plain GET
// (target-cpu-ratio: the echo's target CPU per MiB over the GET's).
func BenchmarkInlineETL(b *testing.B) {
	c := benchCluster(b)
	ctx := context.Background()
	cl := c.Client
	b.StopTimer()
	if err := cl.CreateBucket(ctx, "bench"); err != nil {
		b.Fatal(err)
	}
	loads := []benchLoad{{size: 64 << 10, count: 512, workers: 8}, {size: 8 * mib, count: 16, workers: 4}}
	for _, l := range loads {
		if _, err := putBench(ctx, cl, "bench", l); err != nil {
			b.Fatal(err)
		}
	}
	for _, mode := range benchModes {
		if _, err := cl.ETLInit(ctx, echoSpec("echo-"+mode, mode)); err != nil {
			b.Fatalf("init echo-%s: %v", mode, err)
		}
	}
	b.StartTimer()
	for _, l := range loads {
		for _, mode := range benchModes {
			b.Run("size="+l.name()+"/mode="+mode, func(b *testing.B) {
				var get, etl time.Duration
				var getCPU, etlCPU cpuSample
				var ratios []float64
				pass := func(opts api.GetOpts) (time.Duration, cpuSample) {
					c0 := clusterCPU(b, c)
					d, err := getBench(ctx, cl, "bench", l, opts)
					if err != nil {
						b.Fatal(err)
					}
					return d, clusterCPU(b, c).sub(c0)
				}
				for i := 0; i < b.N; i++ {
					// Short GET and ETL passes alternate (in turns, so that
					// neither always runs first), so that each pair sees the
					// same (shared, noisy) machine; the ratio is the median
					// over the pairs.
					for r := 0; r < inlineRounds; r++ {
						var dg, de time.Duration
						var cg, ce cpuSample
						if r%2 == 0 {
							dg, cg = pass(api.GetOpts{})
							de, ce = pass(api.GetOpts{ETLName: "echo-" + mode})
						} else {
							de, ce = pass(api.GetOpts{ETLName: "echo-" + mode})
							dg, cg = pass(api.GetOpts{})
						}
						get, etl = get+dg, etl+de
						getCPU.target += cg.target
						etlCPU.target += ce.target
						etlCPU.transformer += ce.transformer
						ratios = append(ratios, dg.Seconds()/de.Seconds())
					}
				}
				n := time.Duration(b.N * inlineRounds)
				moved := int64(b.N*inlineRounds) * int64(l.count) * int64(l.size)
				b.ReportMetric(mibPerSec(l, etl/n), "MiB/s")
				b.ReportMetric(opsPerSec(l, etl/n), "ops/s")
				b.ReportMetric(mibPerSec(l, get/n), "get-MiB/s")
				b.ReportMetric(median(ratios), "ratio-to-get")
				tgt, getTgt := usPerMiB(etlCPU.target, moved), usPerMiB(getCPU.target, moved)
				b.ReportMetric(tgt, "target-us/MiB")
				b.ReportMetric(usPerMiB(etlCPU.transformer, moved), "transformer-us/MiB")
				b.ReportMetric(getTgt, "get-target-us/MiB")
				if getTgt > 0 {
					b.ReportMetric(tgt/getTgt, "target-cpu-ratio")
				}
			})
		}
	}
}

// offlineRounds is how many pairs of jobs (direct put off, on) one iteration runs.
const offlineRounds = 4

// median returns the median of xs (0 for none).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkOfflineDirectPut (issue 4): offline bucket-to-bucket echo jobs
// with direct put off and on, per mode, in the same iteration, and the
// direct-put speedup (on / off throughput, the median over pairs of jobs).
func BenchmarkOfflineDirectPut(b *testing.B) {
	c := benchCluster(b)
	ctx := context.Background()
	cl := c.Client
	b.StopTimer()
	if err := cl.CreateBucket(ctx, "src"); err != nil {
		b.Fatal(err)
	}
	l := benchLoad{size: 256 << 10, count: 256, workers: 8}
	if _, err := putBench(ctx, cl, "src", l); err != nil {
		b.Fatal(err)
	}
	for _, mode := range benchModes {
		if _, err := cl.ETLInit(ctx, echoSpec("echo-"+mode, mode)); err != nil {
			b.Fatalf("init echo-%s: %v", mode, err)
		}
	}
	b.StartTimer()
	job := func(b *testing.B, etl string, dp bool, dst string) time.Duration {
		start := time.Now()
		id, err := cl.StartETLBucket(ctx, "src", dst, api.TCBMsg{ETLName: etl, DirectPut: &dp})
		if err != nil {
			b.Fatalf("%s direct_put=%v: %v", etl, dp, err)
		}
		wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		st, err := cl.WaitJob(wctx, id, 20*time.Millisecond)
		d := time.Since(start)
		if err != nil {
			b.Fatalf("%s direct_put=%v: wait job %s: %v", etl, dp, id, err)
		}
		if st.State != api.JobFinished || st.ObjsOut != int64(l.count) || st.Errors != 0 || st.BytesOut != int64(l.count*l.size) {
			b.Fatalf("%s direct_put=%v: job %s %s (%s): %+v", etl, dp, id, st.State, st.Err, st.Counters)
		}
		if st.DirectPut != dp {
			b.Fatalf("%s: job ran with direct_put=%v, asked %v", etl, st.DirectPut, dp)
		}
		b.StopTimer()
		if err := cl.DestroyBucket(ctx, dst); err != nil {
			b.Fatalf("destroy %s: %v", dst, err)
		}
		b.StartTimer()
		return d
	}
	for _, mode := range benchModes {
		b.Run("mode="+mode, func(b *testing.B) {
			var on, off time.Duration
			var speedups []float64
			for i := 0; i < b.N; i++ {
				for r := 0; r < offlineRounds; r++ {
					// Alternate the order so that neither side always
					// runs second; the speedup is the median over the pairs.
					var don, doff time.Duration
					if r%2 == 0 {
						doff = job(b, "echo-"+mode, false, "dst-off")
						don = job(b, "echo-"+mode, true, "dst-on")
					} else {
						don = job(b, "echo-"+mode, true, "dst-on")
						doff = job(b, "echo-"+mode, false, "dst-off")
					}
					on, off = on+don, off+doff
					speedups = append(speedups, doff.Seconds()/don.Seconds())
				}
			}
			n := time.Duration(b.N * offlineRounds)
			b.ReportMetric(mibPerSec(l, on/n), "dp-on-MiB/s")
			b.ReportMetric(mibPerSec(l, off/n), "dp-off-MiB/s")
			b.ReportMetric(median(speedups), "direct-put-speedup")
		})
	}
}
