package proxy

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/cluster"
)

func ioReadAllLimit(r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("body larger than %d bytes", limit)
	}
	return b, nil
}

// startJob starts an offline bucket or multi-object job on every target
// and answers its id as plain text.
func (c *control) startJob(w http.ResponseWriter, r *http.Request, bck string, am *api.ActMsg) {
	var m api.TCOMsg
	if err := am.DecodeValue(&m); err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	dst := r.URL.Query().Get(api.QparamBckTo)
	if !api.IsBckJob(am.Action) {
		if m.ToBck != "" {
			dst = m.ToBck
		}
		if (len(m.ObjNames) == 0) == (m.Template == "") {
			api.WriteErr(w, r, http.StatusBadRequest, "%s: give exactly one of objnames and template", am.Action)
			return
		}
		if m.Template != "" {
			if err := cluster.ExpandTemplate(m.Template, func(string) error { return nil }); err != nil {
				api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
				return
			}
		}
	}
	if dst == "" {
		api.WriteErr(w, r, http.StatusBadRequest, "%s: missing destination bucket (%s query parameter or tobck)", am.Action, api.QparamBckTo)
		return
	}
	dst, err := cluster.ParseBckParam(dst)
	if err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "destination: %v", err)
		return
	}
	if m.NumWorkers < -1 {
		api.WriteErr(w, r, http.StatusBadRequest, "num-workers %d: want -1 (one per mountpath), 0 (auto) or a positive number", m.NumWorkers)
		return
	}
	if api.IsCopyJob(am.Action) {
		if err := copyJobMsg(am.Action, bck, dst, &m); err != nil {
			api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
			return
		}
	} else if m.ETLName == "" {
		api.WriteErr(w, r, http.StatusBadRequest, "%s: missing etl name (\"id\")", am.Action)
		return
	}
	for _, n := range etlNamesOf(am.Action, &m) {
		e := c.get(n)
		if e == nil {
			api.WriteErr(w, r, http.StatusNotFound, "etl %q does not exist", n)
			return
		}
		if stage, _ := c.stage(e); stage != api.StageRunning {
			api.WriteErr(w, r, http.StatusBadRequest, "etl %q is %s, not Running", n, stage)
			return
		}
	}
	targets, err := c.p.aliveTargets(true)
	if err != nil {
		api.WriteErr(w, r, http.StatusServiceUnavailable, "start job: %v", err)
		return
	}
	if !m.DryRun {
		// The destination is created on demand (as AIStore does), on every
		// target before any object can arrive there.
		c.p.bmdMu.Lock()
		path, _ := c.p.addBucketLocked(dst)
		body, _ := json.Marshal(api.ActMsg{Action: api.ActCreateBck})
		errs := failures(c.p.broadcast(r.Context(), targets, http.MethodPost, path, body))
		c.p.bmdMu.Unlock()
		if len(errs) > 0 {
			api.WriteErr(w, r, http.StatusInternalServerError, "create destination bucket %q: %s", dst, strings.Join(errs, "; "))
			return
		}
	}
	je := &jobEntry{ID: newID("job-"), Kind: am.Action, ETLName: m.ETLName, SrcBck: bck, DstBck: dst, Start: time.Now().UTC()}
	for _, t := range targets {
		je.Targets = append(je.Targets, t.ID)
	}
	body, _ := json.Marshal(api.JobStartMsg{Kind: am.Action, SrcBck: bck, DstBck: dst, Msg: m})
	c.jmu.Lock()
	c.jobs[je.ID] = je
	c.jmu.Unlock()
	c.p.markDirty()
	if errs := failures(c.p.broadcast(r.Context(), targets, http.MethodPost, api.PathInternal+"jobs/"+je.ID+"/start", body)); len(errs) > 0 {
		c.p.broadcast(r.Context(), targets, http.MethodPost, api.PathInternal+"jobs/"+je.ID+"/abort", nil)
		api.WriteErr(w, r, http.StatusInternalServerError, "start job: %s", strings.Join(errs, "; "))
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte(je.ID))
}

// status aggregates a job over its targets.
func (c *control) status(r *http.Request, je *jobEntry) api.JobStatus {
	s := api.JobStatus{ID: je.ID, Kind: je.Kind, ETLName: je.ETLName, SrcBck: je.SrcBck, DstBck: je.DstBck,
		StartTime: je.Start.Format(time.RFC3339Nano), Targets: map[string]api.Counters{}}
	sm := c.p.Smap()
	byID := map[string]api.NodeInfo{}
	for _, t := range sm.Targets {
		byID[t.ID] = t
	}
	var nodes []api.NodeInfo
	var errs []string
	for _, id := range je.Targets {
		t := byID[id]
		if !t.Alive {
			errs = append(errs, fmt.Sprintf("target %s is down", id))
			continue
		}
		nodes = append(nodes, t)
	}
	running, failed, aborted := false, false, false
	var end time.Time
	for _, rp := range c.p.broadcast(r.Context(), nodes, http.MethodGet, api.PathInternal+"jobs/"+je.ID, nil) {
		if rp.failed() {
			errs = append(errs, rp.errString())
			failed = true
			continue
		}
		var tj api.TargetJob
		if err := json.Unmarshal(rp.body, &tj); err != nil {
			errs = append(errs, fmt.Sprintf("target %s: %v", rp.target.ID, err))
			failed = true
			continue
		}
		s.Counters.Add(tj.Stats)
		s.Targets[rp.target.ID] = tj.Stats
		s.ObjErrs = append(s.ObjErrs, tj.ObjErrs...)
		s.DirectPut = s.DirectPut || tj.DirectPut
		switch tj.State {
		case api.JobRunning:
			running = true
		case api.JobFailed:
			failed = true
			errs = append(errs, tj.Err)
		case api.JobAborted:
			aborted = true
			if tj.Err != "" {
				errs = append(errs, tj.Err)
			}
		}
		if tj.End.After(end) {
			end = tj.End
		}
	}
	if len(errs) > 0 && !failed && !aborted {
		failed = true
	}
	switch {
	case running && len(errs) == 0:
		s.State = api.JobRunning
	case running:
		s.State = api.JobRunning
		s.Err = strings.Join(errs, "; ")
	case aborted:
		s.State = api.JobAborted
	case failed:
		s.State = api.JobFailed
	default:
		s.State = api.JobFinished
	}
	if !running {
		s.Err = strings.Join(errs, "; ")
		if !end.IsZero() {
			s.EndTime = end.Format(time.RFC3339Nano)
		}
	}
	sort.Slice(s.ObjErrs, func(i, j int) bool { return s.ObjErrs[i].ObjName < s.ObjErrs[j].ObjName })
	return s
}

// listJobs answers every job's status, oldest first.
func (c *control) listJobs(w http.ResponseWriter, r *http.Request) {
	c.jmu.Lock()
	list := make([]*jobEntry, 0, len(c.jobs))
	for _, je := range c.jobs {
		list = append(list, je)
	}
	c.jmu.Unlock()
	sort.Slice(list, func(i, j int) bool { return list[i].Start.Before(list[j].Start) })
	out := make([]api.JobStatus, 0, len(list))
	for _, je := range list {
		out = append(out, c.status(r, je))
	}
	api.WriteJSON(w, out)
}

// withJob gives h the job {id}; an unknown one is a 404 naming it.
func (c *control) withJob(h func(http.ResponseWriter, *http.Request, *jobEntry)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		c.jmu.Lock()
		je := c.jobs[id]
		c.jmu.Unlock()
		if je == nil {
			api.WriteErr(w, r, http.StatusNotFound, "job %q does not exist", id)
			return
		}
		h(w, r, je)
	}
}

// jobStatus answers the job's status.
func (c *control) jobStatus(w http.ResponseWriter, r *http.Request, je *jobEntry) {
	api.WriteJSON(w, c.status(r, je))
}

// handleAbortJob aborts the job on every target.
func (c *control) handleAbortJob(w http.ResponseWriter, r *http.Request, je *jobEntry) {
	c.abortJob(r.Context(), r.PathValue("id"))
	w.WriteHeader(http.StatusOK)
}
