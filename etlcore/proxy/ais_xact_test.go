package proxy

import (
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

// A failed job's AIStore status always carries an error, which is all
// that tells it from a finished one there.
func TestAisStatusOfFailedJob(t *testing.T) {
	end := "2026-12-04T02:00:00Z"
	for _, c := range []struct {
		s       api.JobStatus
		err     string
		aborted bool
	}{
		{api.JobStatus{ID: "j", State: api.JobFailed, EndTime: end}, "job failed", false},
		{api.JobStatus{ID: "j", State: api.JobFailed, EndTime: end, Err: "target t1 is down"}, "target t1 is down", false},
		{api.JobStatus{ID: "j", State: api.JobFinished, EndTime: end}, "", false},
		{api.JobStatus{ID: "j", State: api.JobAborted, EndTime: end}, "", true},
	} {
		st := aisStatus(&c.s)
		if st.Err != c.err || st.Aborted != c.aborted || st.EndTime == 0 || st.UUID != "j" {
			t.Errorf("%s: status %+v, want err %q", c.s.State, st, c.err)
		}
	}
	if st := aisStatus(&api.JobStatus{ID: "j", State: api.JobRunning, Err: "target t2 is down"}); st.EndTime != 0 || st.Err == "" {
		t.Errorf("running job with an error: %+v", st)
	}
}

// Each object error goes to the snap of the target that recorded it; one
// of an unknown target to the first.
func TestObjErrsByTarget(t *testing.T) {
	errs := []api.ObjErr{{Target: "t2", ObjName: "a"}, {Target: "t1", ObjName: "b"}, {ObjName: "c"}, {Target: "t9", ObjName: "d"}}
	got := objErrsByTarget(errs, []string{"t1", "t2"})
	if len(got["t1"]) != 3 || got["t1"][0].ObjName != "b" || len(got["t2"]) != 1 || got["t2"][0].ObjName != "a" {
		t.Fatalf("split %+v", got)
	}
	if got := objErrsByTarget(errs, nil); len(got) != 0 {
		t.Fatalf("no targets: %+v", got)
	}
}
