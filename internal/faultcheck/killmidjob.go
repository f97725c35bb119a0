package faultcheck

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// KillMidJob is the fault "a transformer is killed during an offline job":
// bucket "src" holds N objects Name(i) with content Obj(i); ETL (a slow
// hpush echo, initialized by Spec) copies them to "dst" under "out/".
type KillMidJob struct {
	ETL  string
	Spec []byte
	N    int
	Name func(i int) string
	Obj  func(i int) []byte
	// Kill kills one of the ETL's transformers and names what it killed.
	Kill func() string
	// CheckReason checks the ETL's abort reason and the failed job's error
	// (each must name target, ETL and cause).
	CheckReason func(reason, jobErr, victim string, d *api.ETLDetails) error
	// Gone, when not nil, waits until the aborted ETL left nothing running.
	Gone func()
}

// Run starts the job, kills a transformer once 100 objects are out and
// checks that: the ETL is Aborted on every target within 5 s; the job
// ends failed (counters: in = out + errors, fewer than N out); every
// destination object is complete and byte-exact; after `etl start` a
// rerun writes all N with no error, each verified.
func (k KillMidJob) Run(ctx context.Context, t testing.TB, cl *api.Client) {
	t.Helper()
	if _, err := cl.ETLInit(ctx, k.Spec); err != nil {
		t.Fatal(err)
	}
	id, err := cl.StartETLBucket(ctx, "src", "dst", api.TCBMsg{ETLName: k.ETL, ETLArgs: "delay=5ms", Prepend: "out/"})
	if err != nil {
		t.Fatal(err)
	}
	k.waitProgress(ctx, t, cl, id, 100)
	victim := k.Kill()
	killed := time.Now()
	d := WaitAborted(ctx, t, cl, k.ETL, killed.Add(5*time.Second))
	t.Logf("Aborted on every target %v after %s was killed: %s", time.Since(killed).Round(time.Millisecond), victim, d.Info.Reason)

	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	st, err := cl.WaitJob(wctx, id, 50*time.Millisecond)
	if err != nil {
		t.Fatalf("job did not end after the abort: %v", err)
	}
	if st.State != api.JobFailed && st.State != api.JobAborted {
		t.Fatalf("job state %s, want failed: %+v", st.State, st)
	}
	if err := k.CheckReason(d.Info.Reason, st.Err, victim, d); err != nil {
		t.Fatal(err)
	}
	if st.ObjsOut >= int64(k.N) || st.ObjsIn != st.ObjsOut+st.Errors {
		t.Fatalf("job counters %+v: want fewer than %d out, in = out + errors", st.Counters, k.N)
	}
	t.Logf("job %s %s after %d of %d objects: %s", id, st.State, st.ObjsOut, k.N, st.Err)
	k.checkPartial(ctx, t, cl, st)

	if k.Gone != nil {
		k.Gone()
	}
	if err := cl.ETLStart(ctx, k.ETL); err != nil {
		t.Fatal(err)
	}
	if id, err = cl.StartETLBucket(ctx, "src", "dst", api.TCBMsg{ETLName: k.ETL, Prepend: "out/"}); err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(ctx, 5*time.Minute)
	defer rcancel()
	if st, err = cl.WaitJob(rctx, id, 100*time.Millisecond); err != nil {
		t.Fatalf("rerun: %v", err)
	}
	n := int64(k.N)
	if st.State != api.JobFinished || st.ObjsIn != n || st.ObjsOut != n || st.Errors != 0 {
		t.Fatalf("rerun: %s, counters %+v, want %d in and out, no errors (%s)", st.State, st.Counters, n, st.Err)
	}
	ents, err := cl.ListAll(ctx, "dst", "")
	if err != nil || len(ents) != k.N {
		t.Fatalf("destination holds %d objects after the rerun (%v), want %d", len(ents), err, k.N)
	}
	if err := ForEach(k.N, 16, func(i int) error { return k.check(ctx, cl, "out/"+k.Name(i), i) }); err != nil {
		t.Fatal(err)
	}
}

// waitProgress waits until job id has written min objects (60 s at most).
func (k KillMidJob) waitProgress(ctx context.Context, t testing.TB, cl *api.Client, id string, min int64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := cl.Job(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if st.Finished() {
			t.Fatalf("job ended before the kill: %+v", st)
		}
		if st.ObjsOut >= min {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("job made no progress: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkPartial checks the destination after the failed job: every object
// counted out is there (a direct put may also land while its source sees
// the job end: such an object is complete, only not counted), and every
// object there is complete and byte-exact.
func (k KillMidJob) checkPartial(ctx context.Context, t testing.TB, cl *api.Client, st *api.JobStatus) {
	t.Helper()
	ents, err := cl.ListAll(ctx, "dst", "")
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(ents)) < st.ObjsOut || len(ents) >= k.N {
		t.Errorf("destination holds %d objects, the job counted %d out of %d in", len(ents), st.ObjsOut, st.ObjsIn)
	}
	index := make(map[string]int, k.N)
	for i := range k.N {
		index["out/"+k.Name(i)] = i
	}
	if err := ForEach(len(ents), 16, func(e int) error {
		i, ok := index[ents[e].Name]
		if !ok {
			return fmt.Errorf("unexpected destination object %q", ents[e].Name)
		}
		return k.check(ctx, cl, ents[e].Name, i)
	}); err != nil {
		t.Fatal(err)
	}
}

// check GETs dst/name and compares it with Obj(i).
func (k KillMidJob) check(ctx context.Context, cl *api.Client, name string, i int) error {
	got, err := cl.GetObjectBytes(ctx, "dst", name, api.GetOpts{})
	if err != nil {
		return err
	}
	if want := k.Obj(i); !bytes.Equal(got, want) {
		return fmt.Errorf("partial or wrong object dst/%s: %d bytes, want %d", name, len(got), len(want))
	}
	return nil
}

// WaitAborted waits until ETL name is Aborted on every target, by deadline.
func WaitAborted(ctx context.Context, t testing.TB, cl *api.Client, name string, deadline time.Time) *api.ETLDetails {
	t.Helper()
	for {
		d, err := cl.ETLShow(ctx, name)
		if err == nil && d.Info.Stage == api.StageAborted && AllAborted(d) {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("ETL %s not Aborted on every target in time: %+v %v", name, d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// AllAborted reports whether the ETL of d is Aborted on every target (and
// d names at least one).
func AllAborted(d *api.ETLDetails) bool {
	for _, ti := range d.Targets {
		if ti.Stage != api.StageAborted {
			return false
		}
	}
	return len(d.Targets) > 0
}
