package loadgen

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// Against AIStore's snaps (no etlcore Ext: no bytes in, no error count, no
// per-object errors) the loader follows the job to its end, counts its
// objects and bytes out, verifies its outputs and counts no error for
// what AIStore does not say.
func TestOfflineJobOnAIStoreSnaps(t *testing.T) {
	f := newFakeCluster(t)
	f.aisSnaps = true
	f.addObjects("src", 23, 1000)
	f.jobObjsPerPoll = 4
	cfg := baseConfig(f)
	cfg.Op, cfg.ETLName, cfg.Epochs, cfg.JobPoll, cfg.Verify = OpETLBucket, "md5", 1, 20*time.Millisecond, true
	res, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary[OpETLBucket]
	if s.Ops != 23 || s.BytesIn != 0 || s.BytesOut != 23*32 || s.Errors != 0 || len(s.ErrorsByClass) != 0 {
		t.Errorf("a job over 23 objects, AIStore's snaps: %+v %v", s, res.Notes)
	}
	if len(res.Jobs) != 1 || !strings.Contains(string(res.Jobs[0]), `"state":"finished"`) ||
		!strings.Contains(string(res.Jobs[0]), `"src_bck":"src"`) || strings.Contains(string(res.Jobs[0]), "obj_errs") {
		t.Errorf("job: %s", res.Jobs)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "23 job outputs checked, 0 wrong") {
		t.Errorf("verify: %v", res.Notes)
	}
}

// Stopping the run mid-job aborts the job through AIStore's "stop"
// action; the aborted job is the run's one job error.
func TestOfflineJobAbortedOnStop(t *testing.T) {
	f := newFakeCluster(t)
	f.aisSnaps = true
	f.addObjects("src", 200, 100)
	f.jobObjsPerPoll = 1
	cfg := baseConfig(f)
	cfg.Op, cfg.ETLName, cfg.Epochs, cfg.JobPoll = OpETLBucket, "md5", 1, 20*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	res, err := Run(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	j := f.jobs["job1"]
	state, out := j.State, j.ObjsOut
	f.mu.Unlock()
	if state != api.JobAborted || out >= 200 {
		t.Fatalf("job after the stop: %s, %d of 200 out; want aborted", state, out)
	}
	s := res.Summary[OpETLBucket]
	if s.ErrorsByClass[ClassJob] != 1 || s.Errors != 1 || s.Ops != out {
		t.Errorf("aborted job: %+v, %d out", s, out)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "job job1 aborted: the run was stopped") {
		t.Errorf("notes: %v", res.Notes)
	}
}
