package e2e

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// stressShape is the size of TestStress: the short default keeps `make
// test` (with -race, on 2 cores) within about a minute; ETLBENCH_STRESS=1
// runs the full numbers.
type stressShape struct {
	conns, objects int
}

func stressSize() stressShape {
	if os.Getenv("ETLBENCH_STRESS") == "1" {
		return stressShape{conns: 1000, objects: 100_000}
	}
	return stressShape{conns: 200, objects: 5000}
}

// stressObj is object i's deterministic content: 64..1023 bytes.
func stressObj(i int) []byte {
	n := 64 + (i*7919)%960
	b := make([]byte, n)
	x := uint32(i)*2654435761 + 1
	for j := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[j] = byte(x)
	}
	return b
}

func stressName(i int) string { return fmt.Sprintf("s/%06d.bin", i) }

// runParallel calls fn(i) for i in [0,n) on conns goroutines and returns
// the number of failures and the first error.
func runParallel(conns, n int, fn func(i int) error) (int64, error) {
	var (
		next, fails atomic.Int64
		first       atomic.Value
		wg          sync.WaitGroup
	)
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					fails.Add(1)
					first.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	err, _ := first.Load().(error)
	return fails.Load(), err
}

// TestStress: many concurrent connections and many small objects; inline
// ETL GETs (hpush) and an offline bucket job (ws) at the same time. Every
// object and every output is verified, job counts are exact, and after
// the ETLs are deleted and the client's connections closed the nodes' fd
// counts return to near their baseline, their thread counts stay bounded
// and their RSS stays bounded.
func TestStress(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	shape := stressSize()
	t.Logf("stress: %d connections, %d objects (ETLBENCH_STRESS=1 for 1000 x 100000)", shape.conns, shape.objects)
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cl := api.NewClient(c.ProxyURL)
	tr := cl.HTTP.Transport.(*http.Transport)
	tr.MaxIdleConns = 4 * shape.conns
	tr.MaxIdleConnsPerHost = shape.conns
	defer tr.CloseIdleConnections()

	var pids = map[string]int{}
	for _, n := range c.State.Nodes {
		pids[n.ID] = n.PID
	}
	urls := map[string]string{}
	for _, n := range c.State.Nodes {
		urls[n.ID] = n.URL
	}
	baseG := map[string]int{}
	for id, u := range urls {
		baseG[id] = testcluster.Goroutines(t, u)
	}
	base := map[string]testcluster.Usage{}
	for id, pid := range pids {
		u, err := testcluster.ReadUsage(pid)
		if err != nil {
			t.Fatal(err)
		}
		base[id] = u
	}

	// 1. PUT every object.
	start := time.Now()
	if err := cl.CreateBucket(ctx, "src"); err != nil {
		t.Fatal(err)
	}
	fails, err := runParallel(shape.conns, shape.objects, func(i int) error {
		b := stressObj(i)
		return cl.PutObject(ctx, "src", stressName(i), bytes.NewReader(b), int64(len(b)))
	})
	if fails > 0 {
		t.Fatalf("PUT: %d failures, first: %v", fails, err)
	}
	t.Logf("PUT %d objects on %d connections: %v", shape.objects, shape.conns, time.Since(start))

	// 2. Inline GETs through one ETL and an offline job through another,
	// at the same time; RSS sampled meanwhile.
	if _, err := cl.ETLInit(ctx, specYAML("stress-md5", "hpush://", "etlbench/transformer-md5", "")); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.ETLInit(ctx, specYAML("stress-md5-ws", "ws://", "etlbench/transformer-md5", "")); err != nil {
		t.Fatal(err)
	}
	peak := map[string]int64{}
	series := map[string][]int64{} // RSS every 250 ms during the load
	stopSampling := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Add(1)
	go func() {
		defer sampler.Done()
		tk := time.NewTicker(250 * time.Millisecond)
		defer tk.Stop()
		for {
			for id, pid := range pids {
				if u, err := testcluster.ReadUsage(pid); err == nil {
					peak[id] = max(peak[id], u.RSSKiB)
					series[id] = append(series[id], u.RSSKiB)
				}
			}
			select {
			case <-stopSampling:
				return
			case <-tk.C:
			}
		}
	}()
	start = time.Now()
	jobID, err := cl.StartETLBucket(ctx, "src", "dst", api.TCBMsg{ETLName: "stress-md5-ws", Prefix: "s/"})
	if err != nil {
		t.Fatal(err)
	}
	fails, err = runParallel(shape.conns, shape.objects, func(i int) error {
		b := stressObj(i)
		opts := api.GetOpts{ETLName: "stress-md5"}
		want := md5hex(b)
		if i%4 == 3 { // a quarter plain GETs
			opts, want = api.GetOpts{}, string(b)
		}
		got, err := cl.GetObjectBytes(ctx, "src", stressName(i), opts)
		if err != nil {
			return err
		}
		if string(got) != want {
			return fmt.Errorf("GET %s (etl %q): %d bytes, not the expected %d", stressName(i), opts.ETLName, len(got), len(want))
		}
		return nil
	})
	if fails > 0 {
		t.Fatalf("inline GET: %d failures of %d, first: %v", fails, shape.objects, err)
	}
	t.Logf("%d inline/plain GETs during the job: %v", shape.objects, time.Since(start))
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Minute)
	st, err := cl.WaitJob(wctx, jobID, 100*time.Millisecond)
	wcancel()
	close(stopSampling)
	sampler.Wait()
	checkRSSStable(t, series)
	if err != nil {
		t.Fatalf("wait job: %v", err)
	}
	n := int64(shape.objects)
	if st.State != api.JobFinished || st.ObjsIn != n || st.ObjsOut != n || st.Errors != 0 {
		t.Fatalf("job %s: state %s, %+v (%s); want %d in, %d out, 0 errors", jobID, st.State, st.Counters, st.Err, n, n)
	}
	t.Logf("offline job of %d objects: done %v after the GETs started", n, time.Since(start))

	// 3. Verify every output (and that nothing else is there).
	ents, err := cl.ListAll(ctx, "dst", "")
	if err != nil || len(ents) != shape.objects {
		t.Fatalf("dst holds %d objects (%v), want %d", len(ents), err, shape.objects)
	}
	fails, err = runParallel(shape.conns, shape.objects, func(i int) error {
		got, err := cl.GetObjectBytes(ctx, "dst", stressName(i), api.GetOpts{})
		if err != nil {
			return err
		}
		sum := md5.Sum(stressObj(i))
		if string(got) != hex.EncodeToString(sum[:]) {
			return fmt.Errorf("dst/%s: %q, want the md5 of the source", stressName(i), got)
		}
		return nil
	})
	if fails > 0 {
		t.Fatalf("verify dst: %d failures, first: %v", fails, err)
	}

	// 4. Resources: delete the ETLs (their transformers exit, so the
	// targets' pooled connections to them close), close the client's
	// connections, and wait for each node's fds to come back.
	for _, e := range []string{"stress-md5", "stress-md5-ws"} {
		if err := cl.ETLDelete(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	tr.CloseIdleConnections()
	const fdSlack, goSlack = 16, 24
	deadline := time.Now().Add(20 * time.Second)
	for {
		var over []string
		after := map[string]testcluster.Usage{}
		for id, pid := range pids {
			u, err := testcluster.ReadUsage(pid)
			if err != nil {
				t.Fatal(err)
			}
			after[id] = u
			if u.FDs > base[id].FDs+fdSlack {
				over = append(over, fmt.Sprintf("%s: %d fds (baseline %d)", id, u.FDs, base[id].FDs))
			}
			if g := testcluster.Goroutines(t, urls[id]); g > baseG[id]+goSlack {
				over = append(over, fmt.Sprintf("%s: %d goroutines (baseline %d)", id, g, baseG[id]))
			}
		}
		if len(over) == 0 {
			for id := range pids {
				b, a := base[id], after[id]
				t.Logf("%s: fds %d -> %d, threads %d -> %d, RSS %d -> %d KiB (peak %d KiB)",
					id, b.FDs, a.FDs, b.Threads, a.Threads, b.RSSKiB, a.RSSKiB, peak[id])
				// Go never gives OS threads back; they must stay bounded by
				// the concurrency, not grow with the number of requests.
				if a.Threads > b.Threads+shape.conns+64 {
					t.Errorf("%s: %d threads after the load (baseline %d): more than the load's %d connections explain", id, a.Threads, b.Threads, shape.conns)
				}
				// Objects are streamed: RSS is bounded whatever the number
				// of objects.
				if limit := int64(512 << 10); peak[id] > limit || a.RSSKiB > limit {
					t.Errorf("%s: RSS peak %d KiB, after %d KiB: over %d KiB", id, peak[id], a.RSSKiB, limit)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("file descriptors or goroutines did not return to baseline within 20 s: %s", strings.Join(over, "; "))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// checkRSSStable fails when a node's RSS kept growing under the steady
// load (rssGrew).
func checkRSSStable(t *testing.T, series map[string][]int64) {
	t.Helper()
	for id, xs := range series {
		if len(xs) < 8 {
			t.Logf("%s: %d RSS samples, too few to judge stability", id, len(xs))
			continue
		}
		first, second, grew := rssGrew(xs)
		t.Logf("%s: RSS median %d KiB in the first half of the load, %d KiB in the second (%d samples)", id, first, second, len(xs))
		if grew {
			t.Errorf("%s: RSS grew from a median of %d KiB to %d KiB during the steady load: a leak?", id, first, second)
		}
	}
}

// rssGrew compares the medians of the first and second half of RSS samples
// (KiB): the second may exceed the first by 25% + 16 MiB at most. A leak
// grows with the requests; a warmed-up process stays on a plateau (medians,
// since bursts of goroutine stacks make short peaks).
func rssGrew(xs []int64) (first, second int64, grew bool) {
	median := func(xs []int64) int64 {
		s := slices.Clone(xs)
		slices.Sort(s)
		return s[len(s)/2]
	}
	first, second = median(xs[:len(xs)/2]), median(xs[len(xs)/2:])
	return first, second, second > first+first/4+16<<10
}

// TestRSSGrew: a plateau with spikes is stable; a steady climb is not.
func TestRSSGrew(t *testing.T) {
	var plateau, climb []int64
	for i := range 200 {
		v := int64(80 << 10)
		if i%17 == 0 {
			v += 60 << 10 // a burst
		}
		plateau = append(plateau, v)
		climb = append(climb, int64(40<<10+i*1024)) // +1 MiB per sample
	}
	if f, s, grew := rssGrew(plateau); grew {
		t.Errorf("plateau with bursts judged growing: %d -> %d KiB", f, s)
	}
	if f, s, grew := rssGrew(climb); !grew {
		t.Errorf("steady climb judged stable: %d -> %d KiB", f, s)
	}
}
