package e2e

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// TestJobFollowedThroughAISAPIOnly: the client follows, lists and aborts
// offline jobs of a real cluster through a front that refuses etlcore's
// private /v1/jobs: the status from what=status, the counters (etlcore's,
// in the snaps' Ext), the ETL, direct put and the object errors from
// what=qryxstats, the abort as AIStore's "stop"; so does etlbench job.
func TestJobFollowedThroughAISAPIOnly(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 2})
	ctx := context.Background()
	front := testcluster.StartAISFront(t, c.ProxyURL)
	cl := api.NewClient(front.URL)
	objs := putObjects(t, cl, "src", 40)
	if _, err := cl.ETLInit(ctx, specYAML("fault-x", "hpush://", "etlbench/transformer-fault", "")); err != nil {
		t.Fatal(err)
	}
	dp := true
	id, err := cl.StartETLBucket(ctx, "src", "dst", api.TCBMsg{ETLName: "fault-x", ETLArgs: "fail=500,every=10", ContOnErr: true, DirectPut: &dp})
	if err != nil {
		t.Fatal(err)
	}
	st := waitJob(t, cl, id)
	checkJobSums(t, "job", st)
	n := int64(len(objs))
	if st.State != api.JobFinished || st.ObjsIn != n || st.Errors == 0 || st.ObjsOut != n-st.Errors || len(st.Targets) != 2 {
		t.Fatalf("job %s: %s %+v on %d targets; want finished, %d in, some errors", id, st.State, st.Counters, len(st.Targets), n)
	}
	if st.ETLName != "fault-x" || !st.DirectPut || st.SrcBck != "src" || st.DstBck != "dst" || st.Kind != api.ActETLBck ||
		st.StartTime == "" || st.EndTime == "" || int64(len(st.ObjErrs)) != st.Errors {
		t.Fatalf("job %+v: want fault-x src -> dst with direct put, start and end, %d object errors", st, st.Errors)
	}
	for _, oe := range st.ObjErrs {
		if oe.Status != 500 || oe.Target == "" || !strings.Contains(oe.Message, "on purpose") {
			t.Fatalf("object error %+v", oe)
		}
	}
	jobs, err := cl.Jobs(ctx)
	if err != nil || len(jobs) != 1 || jobs[0].ID != id || jobs[0].Counters != st.Counters || jobs[0].State != api.JobFinished {
		t.Fatalf("job list %+v %v; want the one job as its status says", jobs, err)
	}
	// The command: etlbench job ls | show | wait.
	jobCmd := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(c.Binary, append(append([]string{"job"}, args...), "--proxy", front.URL)...).CombinedOutput()
		if err != nil {
			t.Fatalf("etlbench job %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if out := jobCmd("ls"); !strings.Contains(out, id) || !strings.Contains(out, "fault-x") || !strings.Contains(out, "src -> dst") {
		t.Fatalf("etlbench job ls:\n%s", out)
	}
	var shown api.JobStatus
	if err := json.Unmarshal([]byte(jobCmd("show", id)), &shown); err != nil || shown.Counters != st.Counters || len(shown.ObjErrs) != len(st.ObjErrs) {
		t.Fatalf("etlbench job show: %+v %v; want %+v", shown, err, st.Counters)
	}
	if out := jobCmd("wait", id); !strings.Contains(out, "job "+id+" finished") {
		t.Fatalf("etlbench job wait:\n%s", out)
	}

	// A slow job, aborted while it runs.
	id2, err := cl.StartETLBucket(ctx, "src", "dst-slow", api.TCBMsg{ETLName: "fault-x", ETLArgs: "delay=50ms", NumWorkers: 1})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if s, err := cl.Job(ctx, id2); err != nil || s.State != api.JobRunning {
		t.Fatalf("slow job: %+v %v; want running", s, err)
	}
	jobCmd("abort", id2)
	if st2 := waitJobAny(t, cl, id2); st2.State != api.JobAborted || st2.ObjsOut >= n {
		t.Fatalf("aborted job: %s %+v", st2.State, st2.Counters)
	}
	if _, err := cl.Job(ctx, "job-none"); !api.IsNotFound(err) {
		t.Fatalf("status of an unknown job: %v; want 404", err)
	}

	if r := front.Refused(); len(r) != 0 {
		t.Fatalf("the client asked etlcore's private endpoints: %q", r)
	}
	for _, req := range []string{"GET /v1/cluster?what=status", "GET /v1/cluster?what=qryxstats", "GET /v1/cluster?what=status_all", "PUT /v1/cluster"} {
		if front.Count(req) == 0 {
			t.Errorf("no %s request: the client did not follow the job through AIStore's API", req)
		}
	}
}
