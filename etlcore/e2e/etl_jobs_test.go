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
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// jobObj is object i of the job tests: 20..200 bytes, different for every i.
func jobObj(i int) []byte {
	return bytes.Repeat([]byte(fmt.Sprintf("job object %05d|", i)), 1+i%11)
}

func jobObjName(i int) string { return fmt.Sprintf("d%d/obj-%05d", i%5, i) }

// putJobObjs creates bck and PUTs n objects jobObj(i) with 8 writers.
func putJobObjs(t *testing.T, cl *api.Client, bck string, n int) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	if err := cl.CreateBucket(ctx, bck); err != nil {
		t.Fatal(err)
	}
	objs := make(map[string][]byte, n)
	for i := 0; i < n; i++ {
		objs[jobObjName(i)] = jobObj(i)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || failed.Load() != nil {
					return
				}
				b := jobObj(i)
				if err := cl.PutObject(ctx, bck, jobObjName(i), bytes.NewReader(b), int64(len(b))); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		t.Fatalf("put: %v", err)
	}
	return objs
}

// checkBucket asserts that bck holds exactly the objects of want (name ->
// content), reading them with 8 readers.
func checkBucket(t *testing.T, cl *api.Client, bck string, want map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	ents, err := cl.ListAll(ctx, bck, "")
	if err != nil {
		t.Fatalf("list %s: %v", bck, err)
	}
	if len(ents) != len(want) {
		t.Fatalf("%s holds %d objects, want %d", bck, len(ents), len(want))
	}
	names := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var bad []string
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range names {
				got, err := cl.GetObjectBytes(ctx, bck, name, api.GetOpts{})
				if err != nil || !bytes.Equal(got, want[name]) {
					mu.Lock()
					bad = append(bad, fmt.Sprintf("%s: %q (%v), want %q", name, got, err, want[name]))
					mu.Unlock()
				}
			}
		}()
	}
	for _, e := range ents {
		if _, ok := want[e.Name]; !ok {
			close(names)
			wg.Wait()
			t.Fatalf("%s holds unexpected object %s", bck, e.Name)
		}
		if e.Size != int64(len(want[e.Name])) {
			close(names)
			wg.Wait()
			t.Fatalf("%s/%s: listed size %d, want %d", bck, e.Name, e.Size, len(want[e.Name]))
		}
		names <- e.Name
	}
	close(names)
	wg.Wait()
	if len(bad) > 0 {
		t.Fatalf("%d wrong objects in %s, e.g. %s", len(bad), bck, bad[0])
	}
}

// waitJobAny waits for job id to end, in any state.
func waitJobAny(t *testing.T, cl *api.Client, id string) *api.JobStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	st, err := cl.WaitJob(ctx, id, 50*time.Millisecond)
	if err != nil {
		t.Fatalf("wait job %s: %v", id, err)
	}
	return st
}

// checkJobSums asserts in = out + errors in total and per target, and that
// the per-target counters add up to the total.
func checkJobSums(t *testing.T, what string, st *api.JobStatus) {
	t.Helper()
	var sum api.Counters
	for id, c := range st.Targets {
		if c.ObjsIn != c.ObjsOut+c.Errors {
			t.Fatalf("%s: target %s: objs_in %d != objs_out %d + errors %d", what, id, c.ObjsIn, c.ObjsOut, c.Errors)
		}
		sum.Add(c)
	}
	if st.ObjsIn != st.ObjsOut+st.Errors {
		t.Fatalf("%s: objs_in %d != objs_out %d + errors %d", what, st.ObjsIn, st.ObjsOut, st.Errors)
	}
	if sum != st.Counters {
		t.Fatalf("%s: per-target counters sum to %+v, total is %+v", what, sum, st.Counters)
	}
}

// TestETLJobs2000: offline jobs of 2,000 objects with num-workers 0, -1
// and 8; dry_run; coer with a transformer failing every 10th object; and a
// job without coer that fails naming target and object.
func TestETLJobs2000(t *testing.T) {
	const n = 2000
	c := testcluster.Start(t, testcluster.Options{Targets: 3, Mountpaths: 2})
	ctx := context.Background()
	cl := c.Client
	objs := putJobObjs(t, cl, "src", n)
	if _, err := cl.ETLInit(ctx, specYAML("md5-jobs", "hpush://", "etlbench/transformer-md5", "")); err != nil {
		t.Fatal(err)
	}
	wantMD5 := make(map[string][]byte, n)
	for name, b := range objs {
		wantMD5["out/"+name] = []byte(md5hex(b))
	}
	for _, nw := range []int{0, -1, 8} {
		dst := fmt.Sprintf("dst-nw%d", nw)
		id, err := cl.StartETLBucket(ctx, "src", dst, api.TCBMsg{ETLName: "md5-jobs", Prepend: "out/", NumWorkers: nw})
		if err != nil {
			t.Fatalf("num-workers %d: %v", nw, err)
		}
		st := waitJob(t, cl, id)
		checkJobSums(t, dst, st)
		if st.ObjsIn != n || st.ObjsOut != n || st.Errors != 0 || len(st.Targets) != 3 {
			t.Fatalf("num-workers %d: %+v on %d targets, want %d in and out, no errors, 3 targets", nw, st.Counters, len(st.Targets), n)
		}
		checkBucket(t, cl, dst, wantMD5)
	}

	// dry_run: everything counted, nothing written.
	id, err := cl.StartETLBucket(ctx, "src", "dst-dry", api.TCBMsg{ETLName: "md5-jobs", DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	st := waitJob(t, cl, id)
	checkJobSums(t, "dry run", st)
	if st.ObjsIn != n || st.ObjsOut != n || st.Errors != 0 || st.BytesOut != 32*n {
		t.Fatalf("dry run: %+v, want %d in and out, %d bytes out, no errors", st.Counters, n, 32*n)
	}
	if ok, err := cl.HeadBucket(ctx, "dst-dry"); err != nil {
		t.Fatal(err)
	} else if ok {
		if ents, err := cl.ListAll(ctx, "dst-dry", ""); err != nil || len(ents) != 0 {
			t.Fatalf("dry run wrote %d objects (%v)", len(ents), err)
		}
	}

	// coer with fault failing every 10th object of each transformer process:
	// target t's process fails floor(n_t/10) of its n_t objects. In every
	// mode (ws errors are recorded as errors too).
	for _, comm := range []string{"hpush", "hpull", "ws"} {
		jobCoer(t, cl, comm, objs)
	}

	// Without coer the job fails, naming the target and the object.
	if _, err := cl.ETLInit(ctx, specYAML("fault-stop", "hpush://", "etlbench/transformer-fault", "")); err != nil {
		t.Fatal(err)
	}
	id, err = cl.StartETLBucket(ctx, "src", "dst-stop", api.TCBMsg{ETLName: "fault-stop", ETLArgs: "fail=500,every=10"})
	if err != nil {
		t.Fatal(err)
	}
	st = waitJobAny(t, cl, id)
	if st.State != api.JobFailed {
		t.Fatalf("job without coer: %s (%s) %+v, want failed", st.State, st.Err, st.Counters)
	}
	if !regexp.MustCompile(`\bt[0-9]+\b`).MatchString(st.Err) || !strings.Contains(st.Err, "obj-") {
		t.Fatalf("job without coer: error %q does not name target and object", st.Err)
	}
	if st.Errors < 1 || st.ObjsOut >= n {
		t.Fatalf("job without coer: %+v", st.Counters)
	}
}

// jobCoer runs a continue-on-error bucket job over all of objs through a
// fresh fault ETL of mode comm failing every 10th object, and checks the
// exact outcome.
func jobCoer(t *testing.T, cl *api.Client, comm string, objs map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	n := int64(len(objs))
	etlName, dst := "fault-coer-"+comm, "dst-coer-"+comm
	if _, err := cl.ETLInit(ctx, specYAML(etlName, comm+"://", "etlbench/transformer-fault", "")); err != nil {
		t.Fatal(err)
	}
	id, err := cl.StartETLBucket(ctx, "src", dst, api.TCBMsg{ETLName: etlName, ETLArgs: "fail=500,every=10", ContOnErr: true, NumWorkers: 4})
	if err != nil {
		t.Fatal(err)
	}
	st := waitJob(t, cl, id)
	checkJobSums(t, dst, st)
	var wantErrs int64
	for tid, tc := range st.Targets {
		if tc.ObjsIn == 0 {
			t.Fatalf("coer %s: target %s got no objects", comm, tid)
		}
		if tc.Errors != tc.ObjsIn/10 {
			t.Fatalf("coer %s: target %s: %d errors of %d objects, want %d", comm, tid, tc.Errors, tc.ObjsIn, tc.ObjsIn/10)
		}
		wantErrs += tc.ObjsIn / 10
	}
	if st.ObjsIn != n || st.Errors != wantErrs || st.ObjsOut != n-wantErrs {
		t.Fatalf("coer %s: %+v, want %d in, %d errors, %d out", comm, st.Counters, n, wantErrs, n-wantErrs)
	}
	// Each target keeps its first 128 errors (etl.MaxObjErrs).
	perTarget := map[string]int{}
	seen := map[string]bool{}
	for _, oe := range st.ObjErrs {
		if oe.Status != http.StatusInternalServerError || !strings.Contains(oe.Message, "on purpose") || oe.ObjName == "" || seen[oe.ObjName] {
			t.Fatalf("coer %s: recorded error %+v: want status 500, the transformer's message, a distinct object", comm, oe)
		}
		seen[oe.ObjName] = true
		perTarget[oe.Target]++
	}
	for tid, tc := range st.Targets {
		if want := min(int(tc.Errors), 128); perTarget[tid] != want {
			t.Fatalf("coer %s: target %s: %d recorded errors of %d, want %d (all: %v)", comm, tid, perTarget[tid], tc.Errors, want, perTarget)
		}
	}
	ents, err := cl.ListAll(ctx, dst, "")
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(ents)) != n-wantErrs {
		t.Fatalf("coer %s: %d objects written, want %d", comm, len(ents), n-wantErrs)
	}
	written := make(map[string][]byte, len(ents))
	for _, e := range ents {
		b, ok := objs[e.Name]
		if !ok {
			t.Fatalf("coer %s: unexpected object %s", comm, e.Name)
		}
		written[e.Name] = b
	}
	for _, oe := range st.ObjErrs {
		for name := range objs {
			if strings.HasSuffix(oe.ObjName, name) && written[name] != nil {
				t.Fatalf("coer %s: %s failed (%s) yet was written", comm, name, oe.Message)
			}
		}
	}
	checkBucket(t, cl, dst, written)

}

// TestETLPipelines: inline etl_pipeline and a bucket job with pipeline,
// every output verified.
func TestETLPipelines(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	cl := c.Client
	objs := putObjects(t, cl, "src", 30)
	for _, comm := range []string{"hpush", "hpull", "ws"} {
		for _, tr := range []string{"echo", "compress"} {
			if _, err := cl.ETLInit(ctx, specYAML(tr+"-"+comm, comm+"://", "etlbench/transformer-"+tr, "")); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := cl.ETLInit(ctx, specYAML("md5-pipe", "ws://", "etlbench/transformer-md5", "")); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.ETLInit(ctx, specYAML("hash-pipe", "hpush://", "etlbench/transformer-hash-with-args", "")); err != nil {
		t.Fatal(err)
	}
	i := 0
	for name, b := range objs {
		if i++; i > 4 {
			break
		}
		for _, comm := range []string{"hpush", "hpull", "ws"} {
			got, err := cl.GetObjectBytes(ctx, "src", name, api.GetOpts{ETLName: "echo-" + comm, Pipeline: []string{"md5-pipe"}})
			if err != nil || string(got) != md5hex(b) {
				t.Fatalf("echo-%s | md5: %q (%v), want %q", comm, got, err, md5hex(b))
			}
			want := xxhex(0, gzip6(t, b))
			got, err = cl.GetObjectBytes(ctx, "src", name, api.GetOpts{ETLName: "compress-" + comm, Pipeline: []string{"hash-pipe"}})
			if err != nil || string(got) != want {
				t.Fatalf("compress-%s | hash-with-args: %q (%v), want %q", comm, got, err, want)
			}
			// Three stages.
			got, err = cl.GetObjectBytes(ctx, "src", name, api.GetOpts{ETLName: "echo-" + comm, Pipeline: []string{"compress-hpush", "md5-pipe"}})
			if want := md5hex(gzip6(t, b)); err != nil || string(got) != want {
				t.Fatalf("echo-%s | compress | md5: %q (%v), want %q", comm, got, err, want)
			}
		}
	}
	// An unknown ETL in the pipeline is refused with a message naming it.
	for name := range objs {
		_, err := cl.GetObjectBytes(ctx, "src", name, api.GetOpts{ETLName: "echo-hpush", Pipeline: []string{"no-such-etl"}})
		if st := api.StatusOf(err); st < 400 || st >= 500 || !strings.Contains(err.Error(), "no-such-etl") {
			t.Fatalf("pipeline with an unknown ETL: %v, want 4xx naming it", err)
		}
		break
	}
	// Bucket jobs with a pipeline, direct put on and off.
	for _, comm := range []string{"hpush", "hpull", "ws"} {
		for _, dp := range []bool{true, false} {
			dst := fmt.Sprintf("pipe-%s-%v", comm, dp)
			id, err := cl.StartETLBucket(ctx, "src", dst, api.TCBMsg{ETLName: "echo-" + comm, Pipeline: []string{"md5-pipe"}, DirectPut: &dp})
			if err != nil {
				t.Fatal(err)
			}
			st := waitJob(t, cl, id)
			checkJobSums(t, dst, st)
			if st.ObjsIn != int64(len(objs)) || st.ObjsOut != int64(len(objs)) || st.Errors != 0 {
				t.Fatalf("%s: %+v", dst, st.Counters)
			}
			verifyOut(t, cl, dst, "", objs, md5hex)
		}
	}
}
