package target

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/cluster"
	"github.com/etlbench/etlbench/etlcore/etl"
)

type tjob struct {
	msg       api.JobStartMsg
	etlNames  []string
	cancel    context.CancelFunc
	stats     *etl.Stats
	directPut bool
	start     time.Time

	mu    sync.Mutex
	state string
	err   string
	end   time.Time
	ended chan struct{} // closed when the job leaves api.JobRunning
}

type jobTable struct {
	mu     sync.Mutex
	jobs   map[string]*tjob
	recv   map[string]*[2]atomic.Int64   // direct puts received per job id: count, bytes
	names  map[string]map[string]*dpRecv // direct puts received per job id and name, until claimed (job_verify.go)
	recvMu sync.Mutex
}

func (jt *jobTable) received(id string, size int64) {
	jt.recvMu.Lock()
	c := jt.recv[id]
	if c == nil {
		c = new([2]atomic.Int64)
		jt.recv[id] = c
	}
	jt.recvMu.Unlock()
	c[0].Add(1)
	c[1].Add(size)
}

func (jt *jobTable) receivedOf(id string) (int64, int64) {
	jt.recvMu.Lock()
	defer jt.recvMu.Unlock()
	if c := jt.recv[id]; c != nil {
		return c[0].Load(), c[1].Load()
	}
	return 0, 0
}

func (t *Target) view(j *tjob) api.TargetJob {
	j.mu.Lock()
	v := api.TargetJob{ID: j.msg.ID, ETLName: j.msg.Msg.ETLName, State: j.state, Err: j.err, Start: j.start, End: j.end, DirectPut: j.directPut}
	j.mu.Unlock()
	v.Stats, v.ObjErrs = j.stats.Snapshot()
	v.Received, v.RecvBytes = t.jobs.receivedOf(j.msg.ID)
	return v
}

func (t *Target) handleJobList(w http.ResponseWriter, r *http.Request) {
	t.jobs.mu.Lock()
	out := make([]api.TargetJob, 0, len(t.jobs.jobs))
	jobs := make([]*tjob, 0, len(t.jobs.jobs))
	for _, j := range t.jobs.jobs {
		jobs = append(jobs, j)
	}
	t.jobs.mu.Unlock()
	for _, j := range jobs {
		out = append(out, t.view(j))
	}
	api.WriteJSON(w, out)
}

// handleJobStart starts job {id} here (the proxy's start message).
func (t *Target) handleJobStart(w http.ResponseWriter, r *http.Request) {
	var msg api.JobStartMsg
	if _, err := api.ReadJSON(r, &msg); err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	msg.ID = r.PathValue("id")
	if st, err := t.startLocalJob(&msg); err != nil {
		api.WriteErr(w, r, st, "target %s: %v", t.cfg.ID, err)
	}
}

// handleJobAbort aborts job {id} here, if it runs here.
func (t *Target) handleJobAbort(w http.ResponseWriter, r *http.Request) {
	t.jobs.mu.Lock()
	j := t.jobs.jobs[r.PathValue("id")]
	t.jobs.mu.Unlock()
	if j != nil {
		j.finish(api.JobAborted, "aborted by user")
	}
}

// handleJobView answers job {id} as this target sees it: a target that
// only received direct puts for it answers what it received.
func (t *Target) handleJobView(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	t.jobs.mu.Lock()
	j := t.jobs.jobs[id]
	t.jobs.mu.Unlock()
	if j != nil {
		api.WriteJSON(w, t.view(j))
		return
	}
	n, b := t.jobs.receivedOf(id)
	if n == 0 {
		api.WriteErr(w, r, http.StatusNotFound, "job %q not found on target %s", id, t.cfg.ID)
		return
	}
	api.WriteJSON(w, api.TargetJob{ID: id, State: api.JobFinished, Received: n, RecvBytes: b})
}

// finish ends the job once, with a state and message.
func (j *tjob) finish(state, msg string) {
	j.mu.Lock()
	if j.state == api.JobRunning {
		j.state, j.err, j.end = state, msg, time.Now()
		close(j.ended)
	}
	j.mu.Unlock()
	j.cancel()
}

// etlAbortGrace is how long a failing job waits for the abort of its ETL
// that the error may announce (a dead transformer is seen by its connection
// before its process is reaped; a direct put refused with 403 means the ETL
// was aborted on another target): the job then fails with the abort's reason
// (target, ETL and cause) rather than with the symptom.
const etlAbortGrace = time.Second

// awaitETLAbort waits up to etlAbortGrace while j runs, when err is a
// connection error or a refused direct put; failJobsUsing ends the wait.
func (j *tjob) awaitETLAbort(err error) {
	if etl.ErrClass(err) != etl.ClassConnection && etl.HTTPStatus(err) != http.StatusForbidden {
		return
	}
	t := time.NewTimer(etlAbortGrace)
	defer t.Stop()
	select {
	case <-j.ended:
	case <-t.C:
	}
}

// failJobsUsing fails every running job that uses ETL name.
func (t *Target) failJobsUsing(name, reason string) {
	t.jobs.mu.Lock()
	var hit []*tjob
	for _, j := range t.jobs.jobs {
		for _, n := range j.etlNames {
			if n == name {
				hit = append(hit, j)
				break
			}
		}
	}
	t.jobs.mu.Unlock()
	for _, j := range hit {
		j.finish(api.JobFailed, reason)
	}
}

// startJob is reached when a client sends a job action to a target
// directly: jobs are started by the proxy.
func (t *Target) startJob(w http.ResponseWriter, r *http.Request, bck string, msg *api.ActMsg) {
	api.WriteErr(w, r, http.StatusBadRequest, "send %q to a proxy, not to a target", msg.Action)
}

func (t *Target) startLocalJob(msg *api.JobStartMsg) (int, error) {
	if msg.Kind == api.ActStoreCleanup {
		return t.startCleanup(msg)
	}
	if api.IsCopyJob(msg.Kind) {
		return t.startCopyJob(msg)
	}
	m := &msg.Msg
	e, st, err := t.runningETL(m.ETLName)
	if err != nil {
		return st, err
	}
	next, st, err := t.pipelineURLs(m.Pipeline)
	if err != nil {
		return st, err
	}
	if st, err := t.jobBuckets(msg); err != nil {
		return st, err
	}
	directPut := e.spec.SupportDirectPut
	if m.DirectPut != nil {
		directPut = *m.DirectPut
	}
	ctx, j, err := t.addJob(msg, append([]string{m.ETLName}, m.Pipeline...), directPut)
	if err != nil {
		return http.StatusConflict, err
	}
	x := &xfer{t: t, e: e, args: m.ETLArgs, pipeline: next, directPut: directPut, dryRun: m.DryRun, uuid: msg.ID}
	go t.runJob(ctx, j, x)
	return 0, nil
}

// jobBuckets checks that the job's source bucket, and unless it is a dry
// run its destination, exist here.
func (t *Target) jobBuckets(msg *api.JobStartMsg) (int, error) {
	m := &msg.Msg
	if !t.store.BucketExists(msg.SrcBck) {
		return http.StatusNotFound, fmt.Errorf("bucket %q does not exist", msg.SrcBck)
	}
	// The proxy creates the destination on every target (and records it
	// in its bucket set) before it starts the job; a target without it
	// missed that and refuses rather than make a bucket the proxy does not know.
	if !m.DryRun && !t.store.BucketExists(msg.DstBck) {
		return http.StatusNotFound, fmt.Errorf("destination bucket %q does not exist on target %s", msg.DstBck, t.cfg.ID)
	}
	return 0, nil
}

// addJob records a running job of msg here, using ETLs etlNames; an id
// already known here is an error. ctx ends when the job does.
func (t *Target) addJob(msg *api.JobStartMsg, etlNames []string, directPut bool) (context.Context, *tjob, error) {
	ctx, cancel := context.WithCancel(context.Background())
	j := &tjob{msg: *msg, etlNames: etlNames, cancel: cancel, stats: new(etl.Stats), directPut: directPut,
		start: time.Now(), state: api.JobRunning, ended: make(chan struct{})}
	t.jobs.mu.Lock()
	defer t.jobs.mu.Unlock()
	if _, dup := t.jobs.jobs[msg.ID]; dup {
		cancel()
		return nil, nil, fmt.Errorf("job %q already exists", msg.ID)
	}
	t.jobs.jobs[msg.ID] = j
	return ctx, j, nil
}

// numWorkers resolves num-workers: 0 auto, -1 one per mountpath, >0 exact.
func (t *Target) numWorkers(n int) int {
	switch {
	case n > 0:
		return min(n, 256)
	case n == -1:
		return len(t.store.Mountpaths())
	default:
		return max(4, 2*len(t.store.Mountpaths()))
	}
}

// dstName maps a source name to its destination name (ext, prepend).
func dstName(m *api.TCOMsg, name string) string {
	if len(m.Ext) > 0 {
		if ext := path.Ext(name); ext != "" {
			if to, ok := m.Ext[ext[1:]]; ok {
				name = strings.TrimSuffix(name, ext) + "." + strings.TrimPrefix(to, ".")
			}
		}
	}
	return m.Prepend + name
}

// runJob transforms this target's share of the job's objects.
func (t *Target) runJob(ctx context.Context, j *tjob, x *xfer) {
	m := &j.msg.Msg
	names := make(chan string, 256)
	x.claims = new(claimSet)
	var wg sync.WaitGroup
	nw := t.numWorkers(m.NumWorkers)
	for i := 0; i < nw; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range names {
				if ctx.Err() != nil {
					continue
				}
				in, out, err := x.one(ctx, j.msg.SrcBck, name, j.msg.DstBck, dstName(m, name))
				if err == errClaimed {
					continue // counted when verified, at the end
				}
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					j.stats.AddErr(t.cfg.ID, name, etl.HTTPStatus(err), err.Error())
					if !m.ContOnErr {
						j.awaitETLAbort(err)
						j.finish(api.JobFailed, fmt.Sprintf("target %s: %s/%s: %v", t.cfg.ID, j.msg.SrcBck, name, err))
					}
					continue
				}
				j.stats.Add(in, out)
			}
		}()
	}
	err := t.jobNames(ctx, j, func(name string) error {
		select {
		case names <- name:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(names)
	wg.Wait()
	if err != nil && ctx.Err() == nil {
		j.finish(api.JobFailed, fmt.Sprintf("target %s: %v", t.cfg.ID, err))
	}
	if ctx.Err() == nil {
		if bad := t.checkClaims(ctx, j, x); len(bad) > 0 && !m.ContOnErr {
			j.finish(api.JobFailed, fmt.Sprintf("target %s: %d objects reported delivered by direct put are not (only) in their destination: %s",
				t.cfg.ID, len(bad), namesList(bad)))
		}
	}
	j.finish(api.JobFinished, "")
}

// jobNames calls fn for every source object of the job this target owns.
func (t *Target) jobNames(ctx context.Context, j *tjob, fn func(string) error) error {
	m := &j.msg.Msg
	if api.IsBckJob(j.msg.Kind) {
		token := ""
		for {
			ents, more, err := t.store.List(j.msg.SrcBck, m.Prefix, token, 10000)
			if err != nil {
				return err
			}
			for _, e := range ents {
				if err := fn(e.Name); err != nil {
					return err
				}
			}
			if !more || len(ents) == 0 {
				return nil
			}
			token = ents[len(ents)-1].Name
		}
	}
	sm := t.smap.Load()
	mine := func(name string) error {
		if sm != nil && len(sm.Targets) > 0 {
			if o, err := cluster.Owner(sm, j.msg.SrcBck, name); err != nil || o.ID != t.cfg.ID {
				return nil
			}
		}
		if err := cluster.ValidateObjName(name); err != nil {
			j.stats.AddErr(t.cfg.ID, name, http.StatusBadRequest, err.Error())
			return nil
		}
		return fn(name)
	}
	if m.Template != "" {
		return cluster.ExpandTemplate(m.Template, mine)
	}
	for _, n := range m.ObjNames {
		if err := mine(n); err != nil {
			return err
		}
	}
	return nil
}
