package target

import (
	"net/http"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/etl"
)

// The destination of a job is created in one place, by the proxy: a target
// asked to start a job into a bucket it does not have refuses with 404 and
// creates nothing; with the bucket there, the job starts.
func TestJobStartNeedsDestination(t *testing.T) {
	tg := quietTarget(t)
	tg.etls.etls["echo-etl"] = &etlInst{name: "echo-etl", spec: &etl.Spec{Name: "echo-etl"}, stats: new(etl.Stats), stage: api.StageRunning}
	if err := tg.store.CreateBucket("src"); err != nil {
		t.Fatal(err)
	}
	msg := &api.JobStartMsg{ID: "job-1", Kind: api.ActETLBck, SrcBck: "src", DstBck: "dst", Msg: api.TCOMsg{TCBMsg: api.TCBMsg{ETLName: "echo-etl"}}}
	st, err := tg.startLocalJob(msg)
	if st != http.StatusNotFound || err == nil || !strings.Contains(err.Error(), `"dst"`) {
		t.Fatalf("start into a missing destination: %d %v, want 404 naming it", st, err)
	}
	if tg.store.BucketExists("dst") {
		t.Fatal("the target created the destination bucket")
	}
	if err := tg.store.CreateBucket("dst"); err != nil {
		t.Fatal(err)
	}
	if st, err := tg.startLocalJob(msg); err != nil {
		t.Fatalf("start: %d %v", st, err)
	}
	tg.jobs.mu.Lock()
	j := tg.jobs.jobs["job-1"]
	tg.jobs.mu.Unlock()
	<-j.ended // an empty source: the job finishes at once
	if v := tg.view(j); v.State != api.JobFinished {
		t.Fatalf("job %s (%s), want finished", v.State, v.Err)
	}
}
