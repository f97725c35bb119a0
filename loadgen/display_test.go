package loadgen

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vbauerster/mpb/v8"

	"github.com/etlbench/etlbench/etlcore/api"
)

// TestJobBarCountsEachObjectOnce: a job's bar counts its objects in,
// which already count the failed ones (objs_in = objs_out + errors), so
// a failed object is not counted twice; and its text follows the job's
// latest status, not the one the bar was made with.
func TestJobBarCountsEachObjectOnce(t *testing.T) {
	var out bytes.Buffer
	d := &barsDisplay{w: &out, p: mpb.New(mpb.WithOutput(&out), mpb.WithWidth(120), mpb.WithAutoRefresh()), jobs: map[string]*jobBar{}}
	running := &api.JobStatus{State: api.JobRunning, Counters: api.Counters{ObjsIn: 10, ObjsOut: 6, Errors: 4, BytesIn: 10 << 10}}
	d.job(nil, "j1", running, 20, false)
	jb := d.jobs["j1"]
	if jb == nil {
		t.Fatal("no bar for the running job")
	}
	if c := jb.bar.Current(); c != 10 {
		t.Errorf("running job with 10 objects in (4 of them failed): bar at %d, want 10", c)
	}
	done := &api.JobStatus{State: api.JobFinished, Counters: api.Counters{ObjsIn: 20, ObjsOut: 15, Errors: 5, BytesIn: 20 << 10}}
	d.job(nil, "j1", done, 20, true)
	if got := jb.st.Load(); got != done {
		t.Errorf("bar shows status %+v, want the latest", got)
	}
	if c := jb.bar.Current(); c != 20 {
		t.Errorf("finished job: bar at %d, want 20", c)
	}
	if _, ok := d.jobs["j1"]; ok {
		t.Error("finished job still has a bar")
	}
	d.p.Wait()
	s := out.String()
	if !strings.Contains(s, "20 / 20") || !strings.Contains(s, "5 errors") {
		t.Errorf("final bar %q: want 20 / 20 and the latest 5 errors", s)
	}
	for _, tc := range []struct{ in, total, want int64 }{{7, 0, 7}, {7, 10, 7}, {12, 10, 10}} {
		if got := jobDone(&api.JobStatus{Counters: api.Counters{ObjsIn: tc.in, Errors: 3}}, tc.total); got != tc.want {
			t.Errorf("jobDone(in %d, total %d) = %d, want %d", tc.in, tc.total, got, tc.want)
		}
	}
}
