package e2e

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// What the job errors of a transformer's false "delivered" say.
const (
	msgUnasked = "named no direct-put destination"
	msgMissing = "the result is missing"
	msgTwice   = "may hold another object's result"
)

// errsSaying counts the recorded errors of st whose message contains msg.
func errsSaying(st *api.JobStatus, msg string) int {
	n := 0
	for _, e := range st.ObjErrs {
		if strings.Contains(e.Message, msg) {
			n++
		}
	}
	return n
}

// TestETLDirectPutVerified: offline ws jobs with direct put over 3 targets,
// through a transformer that decodes every ws control message into one
// reused struct, as AIStore's Go framework does (testdata/aisgows). Whatever
// the transformer does, the job never reports an object as written that its
// destination does not hold:
//   - faithful: every destination object is there, byte for byte, counts exact;
//   - answering "delivered" without putting (lie): the job fails naming the
//     objects, or with coer counts exactly them as errors;
//   - the same over hpush (204 without putting), with and without a
//     destination in the request;
//   - putting to the previous object's destination (stale): the objects whose
//     request named no destination, and the destinations written twice, are
//     errors; every object counted out is verified.
func TestETLDirectPutVerified(t *testing.T) {
	const n = 90
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	cl := c.Client
	objs := putJobObjs(t, cl, "src", n)
	bin := buildTestdata(t, "aisgows")
	want := make(map[string][]byte, n)
	var total int64
	for name, b := range objs {
		want["out/"+name] = b
		total += int64(len(b))
	}
	initETL := func(t *testing.T, name, mode string) {
		t.Helper()
		comm := "ws://"
		if strings.HasSuffix(name, "-hpush") {
			comm = "hpush://"
		}
		spec := fmt.Sprintf("name: %s\ncommunication: %s\nsupport_direct_put: true\nruntime:\n  command: [%q, %q]\n", name, comm, bin, mode)
		if _, err := cl.ETLInit(ctx, []byte(spec)); err != nil {
			t.Fatal(err)
		}
	}
	runJob := func(t *testing.T, etl, dst string, coer bool) *api.JobStatus {
		t.Helper()
		yes := true
		id, err := cl.StartETLBucket(ctx, "src", dst, api.TCBMsg{ETLName: etl, Prepend: "out/", ContOnErr: coer, DirectPut: &yes})
		if err != nil {
			t.Fatal(err)
		}
		st := waitJobAny(t, cl, id)
		checkJobSums(t, dst, st)
		return st
	}
	// checkCounted asserts that every object the job did not report as an
	// error is in dst byte for byte, and returns the names reported.
	checkCounted := func(t *testing.T, dst string, st *api.JobStatus) map[string]bool {
		t.Helper()
		failed := map[string]bool{}
		for _, e := range st.ObjErrs {
			failed[e.ObjName] = true
		}
		if int64(len(failed)) != st.Errors {
			t.Fatalf("%s: %d errors counted, %d objects named: %+v", dst, st.Errors, len(failed), st.ObjErrs)
		}
		var wrong []string
		for name, b := range objs {
			if failed[name] {
				continue
			}
			got, err := cl.GetObjectBytes(ctx, dst, "out/"+name, api.GetOpts{})
			if err != nil || !bytes.Equal(got, b) {
				wrong = append(wrong, fmt.Sprintf("%s (%d bytes, %v)", name, len(got), err))
			}
		}
		if len(wrong) > 0 {
			sort.Strings(wrong)
			t.Fatalf("%s: the job counted %d objects as written that their destination does not hold: %s", dst, len(wrong), strings.Join(wrong, ", "))
		}
		return failed
	}

	t.Run("faithful", func(t *testing.T) {
		initETL(t, "aisgo-ws", "ais")
		st := runJob(t, "aisgo-ws", "dst-ais", false)
		if st.State != api.JobFinished || st.ObjsIn != n || st.ObjsOut != n || st.Errors != 0 || st.BytesOut != total {
			t.Fatalf("job %s: %s (%s), %+v; want finished, %d in and out, %d bytes out, no errors", st.ID, st.State, st.Err, st.Counters, n, total)
		}
		checkBucket(t, cl, "dst-ais", want)
		// Single-object transform-copies, with direct put where the
		// destination is on another target.
		for i := 0; i < 9; i++ {
			name := jobObjName(i)
			if err := cl.TransformCopy(ctx, "src", name, "dst-ais", "copy/"+name, "aisgo-ws", ""); err != nil {
				t.Fatal(err)
			}
			if got, err := cl.GetObjectBytes(ctx, "dst-ais", "copy/"+name, api.GetOpts{}); err != nil || !bytes.Equal(got, objs[name]) {
				t.Fatalf("transform-copy of %s: %q, %v; want %q", name, got, err, objs[name])
			}
		}
	})

	t.Run("lie", func(t *testing.T) {
		initETL(t, "aisgo-lie", "lie")
		st := runJob(t, "aisgo-lie", "dst-lie", false)
		if st.State != api.JobFailed || !strings.Contains(st.Err, "reported delivered by direct put are not (only) in their destination") {
			t.Fatalf("job %s without coer: %s (%s); want failed naming the objects not delivered", st.ID, st.State, st.Err)
		}
		checkCounted(t, "dst-lie", st)
		st = runJob(t, "aisgo-lie", "dst-lie-coer", true)
		if st.State != api.JobFinished || st.Errors == 0 || st.ObjsIn != n {
			t.Fatalf("job %s with coer: %s (%s), %+v; want finished, %d in, some errors", st.ID, st.State, st.Err, st.Counters, n)
		}
		failed := checkCounted(t, "dst-lie-coer", st)
		for name := range failed {
			if _, err := cl.HeadObject(ctx, "dst-lie-coer", "out/"+name); err == nil {
				t.Fatalf("%s is reported not delivered, but its destination exists", name)
			}
		}
		for _, e := range st.ObjErrs {
			if !strings.Contains(e.Message, msgMissing) {
				t.Fatalf("error of %s: %q; want it to say the result is missing", e.ObjName, e.Message)
			}
		}
	})

	t.Run("lie-hpush", func(t *testing.T) {
		// hpush answering 204 without putting: to a request naming no
		// destination (its result belongs on the source target) and to one
		// naming a destination.
		initETL(t, "aisgo-lie-hpush", "lie")
		st := runJob(t, "aisgo-lie-hpush", "dst-lie-hpush", true)
		if st.State != api.JobFinished || st.Errors == 0 || st.ObjsIn != n {
			t.Fatalf("job %s with coer: %s (%s), %+v; want finished, %d in, some errors", st.ID, st.State, st.Err, st.Counters, n)
		}
		for name := range checkCounted(t, "dst-lie-hpush", st) {
			if _, err := cl.HeadObject(ctx, "dst-lie-hpush", "out/"+name); err == nil {
				t.Fatalf("%s is reported not delivered, but its destination exists", name)
			}
		}
		unasked, missing := errsSaying(st, msgUnasked), errsSaying(st, msgMissing)
		if unasked == 0 || missing == 0 || unasked+missing != len(st.ObjErrs) {
			t.Fatalf("errors: %d answered 204 without a destination, %d missing; want some of each and nothing else: %+v", unasked, missing, st.ObjErrs)
		}
	})

	t.Run("stale", func(t *testing.T) {
		initETL(t, "aisgo-stale", "stale")
		st := runJob(t, "aisgo-stale", "dst-stale", false)
		if st.State != api.JobFailed || !strings.Contains(st.Err, msgUnasked) && !strings.Contains(st.Err, "not (only) in their destination") {
			t.Fatalf("job %s without coer: %s (%s); want failed naming an object", st.ID, st.State, st.Err)
		}
		st = runJob(t, "aisgo-stale", "dst-stale-coer", true)
		if st.State != api.JobFinished || st.Errors == 0 || st.ObjsIn != n {
			t.Fatalf("job %s with coer: %s (%s), %+v; want finished, %d in, some errors", st.ID, st.State, st.Err, st.Counters, n)
		}
		checkCounted(t, "dst-stale-coer", st)
		unasked, twice := errsSaying(st, msgUnasked), errsSaying(st, msgTwice)
		if unasked == 0 || twice == 0 {
			t.Fatalf("errors: %d delivered to a request without destination, %d destinations written twice; want some of each: %+v", unasked, twice, st.ObjErrs)
		}
	})
}
