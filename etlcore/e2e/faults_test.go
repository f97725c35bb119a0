package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// smallObj is the content of object i of the fault tests: 40..300 bytes,
// different for every i.
func smallObj(i int) []byte {
	line := fmt.Sprintf("object %05d;", i)
	return bytes.Repeat([]byte(line), 3+i%20)
}

// putMany PUTs objects name(i) = smallObj(i), i < n, with 8 writers.
func putMany(t *testing.T, cl *api.Client, bck string, n int, name func(int) string) {
	t.Helper()
	ctx := context.Background()
	if err := cl.CreateBucket(ctx, bck); err != nil {
		t.Fatal(err)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				b := smallObj(i)
				if err := cl.PutObject(ctx, bck, name(i), bytes.NewReader(b), int64(len(b))); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

var targetRE = regexp.MustCompile(`target t[0-9]+`)

// waitAborted waits until ETL name is Aborted on every target, by deadline.
func waitAborted(t *testing.T, cl *api.Client, name string, deadline time.Time) *api.ETLDetails {
	t.Helper()
	for {
		d, err := cl.ETLShow(context.Background(), name)
		if err == nil && d.Info.Stage == api.StageAborted && allAborted(d) && len(d.Targets) == 3 {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("ETL %s not Aborted on all targets in time: %+v %v", name, d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestFaultTransformerKilledMidJob: kill -9 of one transformer during an
// offline job of 5,000 objects aborts the ETL on every target within 5 s,
// fails the job naming target, ETL and cause, leaves no partial object,
// and after ETLStart a rerun completes with every output verified.
func TestFaultTransformerKilledMidJob(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	cl := c.Client
	const n = 5000
	name := func(i int) string { return fmt.Sprintf("in/obj-%05d", i) }
	putMany(t, cl, "src", n, name)
	const etl = "slow-echo"
	if _, err := cl.ETLInit(ctx, specYAML(etl, "hpush://", "etlbench/transformer-fault", "")); err != nil {
		t.Fatal(err)
	}
	id, err := cl.StartETLBucket(ctx, "src", "dst", api.TCBMsg{ETLName: etl, ETLArgs: "delay=5ms", Prepend: "out/"})
	if err != nil {
		t.Fatal(err)
	}
	// Let it make some progress, then kill one transformer.
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := cl.Job(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if st.Finished() {
			t.Fatalf("job ended before the kill: %+v", st)
		}
		if st.ObjsOut >= 100 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job made no progress: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	pid := transformerPID(t, c, etl)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	d := waitAborted(t, cl, etl, killed.Add(5*time.Second))
	t.Logf("Aborted on all targets %v after the kill: %s", time.Since(killed).Round(time.Millisecond), d.Info.Reason)
	if !strings.Contains(d.Info.Reason, "died") || !strings.Contains(d.Info.Reason, etl) || !targetRE.MatchString(d.Info.Reason) {
		t.Fatalf("abort reason %q: want target, ETL and 'died'", d.Info.Reason)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, err := cl.WaitJob(wctx, id, 50*time.Millisecond)
	if err != nil {
		t.Fatalf("job did not end after the abort: %v", err)
	}
	if st.State != api.JobFailed && st.State != api.JobAborted {
		t.Fatalf("job state %s, want failed: %+v", st.State, st)
	}
	if !strings.Contains(st.Err, etl) || !targetRE.MatchString(st.Err) || !strings.Contains(st.Err, "died") {
		t.Fatalf("job error %q: want target, ETL and cause", st.Err)
	}
	if st.ObjsOut >= n || st.ObjsIn != st.ObjsOut+st.Errors {
		t.Fatalf("job counters %+v: want fewer than %d out, in = out + errors", st.Counters, n)
	}
	t.Logf("job %s %s after %d of %d objects: %s", id, st.State, st.ObjsOut, n, st.Err)
	// No partial object in the destination: every one present is complete.
	ents, err := cl.ListAll(ctx, "dst", "")
	if err != nil {
		t.Fatal(err)
	}
	// Every object counted out is there. A direct put may also land while its
	// source sees the connection fail or the job end: such an object is
	// complete (checked below) but not counted out.
	if int64(len(ents)) < st.ObjsOut || len(ents) >= n {
		t.Errorf("destination holds %d objects, job counted %d out of %d in", len(ents), st.ObjsOut, st.ObjsIn)
	}
	for _, e := range ents {
		var i int
		if _, err := fmt.Sscanf(e.Name, "out/in/obj-%05d", &i); err != nil {
			t.Fatalf("unexpected destination object %q", e.Name)
		}
		got, err := cl.GetObjectBytes(ctx, "dst", e.Name, api.GetOpts{})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, smallObj(i)) {
			t.Fatalf("partial or wrong object %s: %d bytes, want %d", e.Name, len(got), len(smallObj(i)))
		}
	}
	// Start again: the rerun completes and every output is right.
	if err := cl.ETLStart(ctx, etl); err != nil {
		t.Fatal(err)
	}
	id, err = cl.StartETLBucket(ctx, "src", "dst", api.TCBMsg{ETLName: etl, Prepend: "out/"})
	if err != nil {
		t.Fatal(err)
	}
	st = waitJob(t, cl, id)
	if st.ObjsIn != n || st.ObjsOut != n || st.Errors != 0 {
		t.Fatalf("rerun counters %+v, want %d in and out, no errors", st.Counters, n)
	}
	ents, err = cl.ListAll(ctx, "dst", "")
	if err != nil || len(ents) != n {
		t.Fatalf("destination holds %d objects after the rerun (%v), want %d", len(ents), err, n)
	}
	verifyAll(t, cl, "dst", n, func(i int) string { return "out/" + name(i) })
}

// verifyAll GETs name(i), i < n, from bck with 8 readers and compares each
// with smallObj(i).
func verifyAll(t *testing.T, cl *api.Client, bck string, n int, name func(int) string) {
	t.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	var bad atomic.Value
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for bad.Load() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				got, err := cl.GetObjectBytes(context.Background(), bck, name(i), api.GetOpts{})
				if err != nil {
					bad.Store(err.Error())
				} else if !bytes.Equal(got, smallObj(i)) {
					bad.Store(fmt.Sprintf("%s/%s: %d bytes, want %d", bck, name(i), len(got), len(smallObj(i))))
				}
			}
		}()
	}
	wg.Wait()
	if b := bad.Load(); b != nil {
		t.Fatal(b)
	}
}

// TestFaultTargetKilledUnderLoad: kill -9 of a target during a mixed load
// (PUT + inline ETL GET): every request ends (with an error or not) within
// its bound, the proxy marks the target down, the other targets' objects
// stay available, and after a restart the target rejoins and serves its
// objects again; nothing acknowledged is lost.
func TestFaultTargetKilledUnderLoad(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	cl := c.Client
	const n = 300
	name := func(i int) string { return fmt.Sprintf("m/%04d", i) }
	putMany(t, cl, "mix", n, name)
	if _, err := cl.ETLInit(ctx, specYAML("echo-inline", "hpush://", "etlbench/transformer-echo", "")); err != nil {
		t.Fatal(err)
	}
	const bound = 10 * time.Second // per request: a request that takes longer hangs
	var (
		mu      sync.Mutex
		okPut   = map[string]int{} // acknowledged PUTs: name -> smallObj index
		errs    = map[string]int{} // error class -> count
		okOps   atomic.Int64
		slowest atomic.Int64
	)
	classify := func(err error) string {
		if st := api.StatusOf(err); st != 0 {
			return fmt.Sprint(st)
		}
		return "connection"
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				i := (g*7919 + k*31) % n
				rctx, cancel := context.WithTimeout(ctx, bound)
				start := time.Now()
				var err error
				if k%2 == 0 {
					obj := fmt.Sprintf("new/g%d-%05d", g, k)
					b := smallObj(i)
					if err = cl.PutObject(rctx, "mix", obj, bytes.NewReader(b), int64(len(b))); err == nil {
						mu.Lock()
						okPut[obj] = i
						mu.Unlock()
					}
				} else {
					var got []byte
					got, err = cl.GetObjectBytes(rctx, "mix", name(i), api.GetOpts{ETLName: "echo-inline"})
					if err == nil && !bytes.Equal(got, smallObj(i)) {
						err = fmt.Errorf("inline GET %s: wrong bytes", name(i))
						mu.Lock()
						errs["wrong-bytes"]++
						mu.Unlock()
					}
				}
				cancel()
				el := time.Since(start)
				for {
					s := slowest.Load()
					if int64(el) <= s || slowest.CompareAndSwap(s, int64(el)) {
						break
					}
				}
				if err != nil {
					mu.Lock()
					errs[classify(err)]++
					mu.Unlock()
					continue
				}
				okOps.Add(1)
			}
		}(g)
	}
	time.Sleep(time.Second)
	before := okOps.Load()
	c.KillTarget(2)
	time.Sleep(2 * time.Second)
	close(stop)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(bound + 5*time.Second):
		t.Fatal("load goroutines still blocked after their requests' bound: a request hangs")
	}
	mu.Lock()
	t.Logf("ops ok %d (%d before the kill), errors by class %v, slowest request %v, %d PUTs acknowledged",
		okOps.Load(), before, errs, time.Duration(slowest.Load()).Round(time.Millisecond), len(okPut))
	mu.Unlock()
	if errs["wrong-bytes"] != 0 {
		t.Fatalf("%d inline GETs returned wrong bytes", errs["wrong-bytes"])
	}
	if len(errs) == 0 {
		t.Fatal("no request failed although a target was killed under load")
	}
	if okOps.Load() <= before {
		t.Fatal("no request succeeded after the kill: the other targets stopped serving")
	}
	if time.Duration(slowest.Load()) >= bound {
		t.Fatalf("slowest request took %v: want every request bounded", time.Duration(slowest.Load()))
	}
	// The proxy marks t2 down.
	deadline := time.Now().Add(5 * time.Second)
	for {
		sm, err := cl.Smap(ctx)
		if err == nil && targetAlive(sm, "t2") == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("proxy did not mark t2 down within 5s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Objects on the other targets stay available; t2's fail fast with 503.
	served, failed := 0, 0
	for i := 0; i < n; i++ {
		start := time.Now()
		got, err := cl.GetObjectBytes(ctx, "mix", name(i), api.GetOpts{})
		if time.Since(start) > 2*time.Second {
			t.Fatalf("GET %s took %v with t2 down", name(i), time.Since(start))
		}
		if err != nil {
			if api.StatusOf(err) != http.StatusServiceUnavailable || !strings.Contains(err.Error(), "t2") {
				t.Fatalf("GET %s with t2 down: %v; want 503 naming t2", name(i), err)
			}
			failed++
			continue
		}
		if !bytes.Equal(got, smallObj(i)) {
			t.Fatalf("GET %s: wrong bytes", name(i))
		}
		served++
	}
	if failed == 0 || served == 0 {
		t.Fatalf("with t2 down: served %d, failed %d of %d; want both", served, failed, n)
	}
	// Restart: t2 rejoins and every object (and every acknowledged PUT) is served.
	c.RestartTarget(2)
	sm, err := cl.Smap(ctx)
	if err != nil || targetAlive(sm, "t2") != 1 {
		t.Fatalf("after restart: t2 not alive in the cluster map: %+v %v", sm, err)
	}
	verifyAll(t, cl, "mix", n, name)
	for obj, i := range okPut {
		got, err := cl.GetObjectBytes(ctx, "mix", obj, api.GetOpts{})
		if err != nil || !bytes.Equal(got, smallObj(i)) {
			t.Fatalf("acknowledged PUT %s lost after restart: %v", obj, err)
		}
	}
	t.Logf("after restart: all %d objects and %d acknowledged PUTs served", n, len(okPut))
}

// targetAlive reports 1 if target id is alive in sm, 0 if it is down, -1
// if it is not in the map.
func targetAlive(sm *api.Smap, id string) int {
	for _, tg := range sm.Targets {
		if tg.ID == id {
			if tg.Alive {
				return 1
			}
			return 0
		}
	}
	return -1
}
