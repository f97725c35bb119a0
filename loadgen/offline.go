package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// offlineOp runs offline jobs one after another (etl-bucket: the whole
// bucket; etl-multi: a list or range of objects).
type offlineOp struct {
	baseOp
	op string
	// start starts one job of msg and returns its id and how many objects
	// it transforms.
	start func(ctx context.Context, r *runner, msg api.TCBMsg) (id string, total int64, err error)
}

func (offlineOp) traits() opTraits { return opTraits{kind: kindJob, dst: true, etl: true} }

func (o offlineOp) check(c *Config) error {
	if err := noPctPut(c, "runs offline jobs"); err != nil {
		return err
	}
	if c.Rate > 0 {
		return fieldErrRel("rate", []string{"op"}, "does not apply to %[1]s %[2]s, which runs offline jobs", o.op)
	}
	if o.op == OpETLMulti && c.Template != "" && !strings.Contains(c.Template, "{") {
		return fieldErrf("template", "%q: want a range template like obj-{0000..0999}", c.Template)
	}
	return nil
}

// do runs one job to its end; the job records its own progress.
func (o offlineOp) do(ctx context.Context, r *runner, _ *worker, _ objRef) (int64, int64, error) {
	return 0, 0, r.runJob(r.issueCtx, ctx, o.start)
}

// startBucketJob starts a transform of the whole source bucket (etl-bucket).
func startBucketJob(ctx context.Context, r *runner, msg api.TCBMsg) (string, int64, error) {
	id, err := r.ctl.StartETLBucket(ctx, r.cfg.Bucket, r.cfg.DstBucket, msg)
	return id, int64(len(r.pool.listed)), err
}

// startMultiJob starts a transform of the template's objects, else of
// every listed one (etl-multi).
func startMultiJob(ctx context.Context, r *runner, msg api.TCBMsg) (string, int64, error) {
	cfg := &r.cfg
	total := int64(len(r.pool.listed))
	m := api.TCOMsg{TCBMsg: msg, ToBck: cfg.DstBucket}
	if cfg.Template != "" {
		m.Template = cfg.Template
		if n, ok := templateCount(cfg.Template); ok {
			total = n
		}
	} else {
		m.ObjNames = make([]string, len(r.pool.listed))
		for i, e := range r.pool.listed {
			m.ObjNames[i] = e.Name
		}
	}
	id, err := r.ctl.StartETLListRange(ctx, cfg.Bucket, m)
	return id, total, err
}

// jobRecord is one offline job the run made.
type jobRecord struct {
	id      string
	status  json.RawMessage
	seconds float64
}

// jobSeconds is the summed duration of the run's jobs.
func (r *runner) jobSeconds() float64 {
	var s float64
	for _, j := range r.jobs {
		s += j.seconds
	}
	return s
}

// runJobs runs offline jobs one after another: Epochs of them, or (with a
// duration and no epochs) until the duration is over, else one.
func (r *runner) runJobs(issueCtx, reqCtx context.Context) {
	cfg := &r.cfg
	for i := 0; ; i++ {
		switch {
		case issueCtx.Err() != nil:
			return
		case cfg.Epochs > 0 && i >= cfg.Epochs:
			return
		case cfg.Epochs == 0 && cfg.Duration == 0 && i >= 1:
			return
		case cfg.Epochs == 0 && cfg.Duration > 0 && i > 0 && !time.Now().Before(r.end):
			return
		}
		if _, _, err := r.main.do(reqCtx, r, nil, objRef{}); err != nil {
			r.note("%v", err)
			return
		}
	}
}

// runJob starts one job, follows it to its end (aborting it when the run
// is stopped) and records its progress, duration and final status.
func (r *runner) runJob(issueCtx, reqCtx context.Context, start func(context.Context, *runner, api.TCBMsg) (string, int64, error)) error {
	cfg := &r.cfg
	op := cfg.Op
	dp := cfg.DirectPut
	msg := api.TCBMsg{ETLName: r.etl.name, Pipeline: cfg.Pipeline, ETLArgs: cfg.ETLArgs,
		NumWorkers: cfg.JobWorkers, ContOnErr: true, DirectPut: &dp}
	started := time.Now()
	id, total, err := start(reqCtx, r, msg)
	if err != nil {
		class := Classify(op, err)
		r.rec.AddErrors(op, class, 1)
		r.noteErr(op, class, err)
		return fmt.Errorf("start %s job: %w", op, err)
	}
	var prev api.JobStatus
	var st *api.JobStatus
	aborted, failures := false, 0
	tick := time.NewTicker(cfg.JobPoll)
	defer tick.Stop()
	for {
		s, err := r.ctl.Job(reqCtx, id)
		if err != nil {
			failures++
			if failures >= 20 || reqCtx.Err() != nil {
				r.rec.AddErrors(op, ClassJob, 1)
				return fmt.Errorf("job %s: lost track of it: %w", id, err)
			}
		} else {
			failures = 0
			st = s
			r.rec.Add(op, st.ObjsOut-prev.ObjsOut, st.BytesIn-prev.BytesIn, st.BytesOut-prev.BytesOut)
			r.rec.AddErrors(op, jobErrClass(st), st.Errors-prev.Errors)
			prev = *st
			r.disp.job(r, id, st, total, st.Finished())
			if st.Finished() {
				break
			}
		}
		select {
		case <-issueCtx.Done():
			if !aborted {
				aborted = true
				if err := r.ctl.AbortJob(reqCtx, id); err != nil && !api.IsNotFound(err) {
					r.note("abort job %s: %v", id, err)
				} else {
					r.note("job %s aborted: the run was stopped", id)
				}
			}
			select {
			case <-tick.C:
			case <-reqCtx.Done():
			}
		case <-tick.C:
		}
	}
	dur := jobDuration(st, started)
	r.rec.Latency(op, dur)
	if st.State != api.JobFinished {
		r.rec.AddErrors(op, ClassJob, 1)
		if !aborted {
			r.note("job %s %s: %s", id, st.State, st.Err)
		}
	}
	r.jobs = append(r.jobs, jobRecord{id: id, status: mustJSON(st), seconds: dur.Seconds()})
	r.jobsDone.Add(1)
	if cfg.Verify && st.State == api.JobFinished {
		r.verifyJob(reqCtx, op)
	}
	if aborted {
		return fmt.Errorf("job %s: %s", id, st.State)
	}
	return nil
}

// jobDuration is the cluster's start-to-end time of the job, else the
// loader's view.
func jobDuration(st *api.JobStatus, started time.Time) time.Duration {
	s, err1 := time.Parse(time.RFC3339Nano, st.StartTime)
	e, err2 := time.Parse(time.RFC3339Nano, st.EndTime)
	if err1 == nil && err2 == nil && e.After(s) {
		return e.Sub(s)
	}
	return time.Since(started)
}

// jobErrClass classifies a job's object errors by the last recorded one:
// every object error of a job is the transformer's (by its status, 4xx or
// 5xx) unless its status says it timed out (408, 504).
func jobErrClass(st *api.JobStatus) string {
	status := 0
	if n := len(st.ObjErrs); n > 0 {
		status = st.ObjErrs[n-1].Status
	}
	switch {
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return ClassTimeout
	case status >= 400 && status < 500:
		return ClassTransformer4xx
	}
	return ClassTransformer5xx
}

// verifyJob checks every destination object of a finished job against
// the transform computed locally (not measured).
func (r *runner) verifyJob(ctx context.Context, op string) {
	names := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	bad := 0
	for i := 0; i < min(r.cfg.Workers, 16); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range names {
				out, err := r.ctl.GetObjectBytes(ctx, r.cfg.DstBucket, name, api.GetOpts{})
				if err == nil {
					err = r.checkOutput(ctx, name, out)
				} else {
					err = fmt.Errorf("%w: %s/%s: %v", ErrWrongOutput, r.cfg.DstBucket, name, err)
				}
				if err != nil {
					class := Classify(op, err)
					r.rec.AddErrors(op, class, 1)
					r.noteErr(op, class, err)
					mu.Lock()
					bad++
					mu.Unlock()
				}
			}
		}()
	}
	for _, e := range r.pool.listed {
		names <- e.Name
	}
	close(names)
	wg.Wait()
	r.jobVerified.Add(int64(len(r.pool.listed)))
	r.jobVerifyBad.Add(int64(bad))
}

var rangeRE = regexp.MustCompile(`\{(\d+)\.\.(\d+)(?:\.\.(\d+))?\}`)

// templateCount returns how many names a range template expands to.
func templateCount(t string) (int64, bool) {
	ms := rangeRE.FindAllStringSubmatch(t, -1)
	if len(ms) == 0 {
		return 0, false
	}
	n := int64(1)
	for _, m := range ms {
		a, _ := strconv.ParseInt(m[1], 10, 64)
		b, _ := strconv.ParseInt(m[2], 10, 64)
		step := int64(1)
		if m[3] != "" {
			step, _ = strconv.ParseInt(m[3], 10, 64)
		}
		if b < a || step <= 0 {
			return 0, false
		}
		n *= (b-a)/step + 1
	}
	return n, true
}
