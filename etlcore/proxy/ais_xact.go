package proxy

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// AIStore's job (xaction) API over etlcore's jobs: GET
// /v1/cluster?what=status|status_all|qryxstats|running_all with a query
// body {id, kind, bck, show_active}, and PUT /v1/cluster {"action":"stop"}.
// etlcore's job kinds are AIStore's: etl-bck, etl-listrange, copy-bck and
// copy-listrange.

// xactQuery reads the query body (and the id= parameter, etlcore's
// spelling).
func xactQuery(r *http.Request) (api.AisXactQuery, error) {
	var q api.AisXactQuery
	if _, err := api.ReadJSON(r, &q); err != nil {
		return q, err
	}
	if q.ID == "" {
		q.ID = r.URL.Query().Get("id")
	}
	return q, nil
}

// matchJobs returns the jobs q selects, each with its status, oldest
// first. A job named by id is selected whatever kind the query names (a
// multi-object job over a prefix runs as a bucket job).
func (c *control) matchJobs(r *http.Request, q api.AisXactQuery) []api.JobStatus {
	c.jmu.Lock()
	var list []*jobEntry
	for _, je := range c.jobs {
		switch {
		case q.ID != "" && je.ID != q.ID:
		case q.ID == "" && q.Kind != "" && je.Kind != q.Kind:
		case q.Bck.Name != "" && je.SrcBck != q.Bck.Name && je.DstBck != q.Bck.Name:
		default:
			list = append(list, je)
		}
	}
	c.jmu.Unlock()
	sort.Slice(list, func(i, j int) bool { return list[i].Start.Before(list[j].Start) })
	out := make([]api.JobStatus, 0, len(list))
	for _, je := range list {
		s := c.status(r, je)
		// Only running ones, unless the query names the job (a client
		// waiting for it to be idle needs to see it finished).
		if q.ID == "" && q.ShowActive != nil && *q.ShowActive && s.Finished() {
			continue
		}
		out = append(out, s)
	}
	return out
}

// ctlMsg is the one-line description of job s that AIStore's CLI shows.
func ctlMsg(s *api.JobStatus) string {
	if api.IsCopyJob(s.Kind) {
		return copyCtlMsg(s)
	}
	if s.ETLName == "" {
		return s.Kind
	}
	return fmt.Sprintf("etl %s: ais://%s => ais://%s", s.ETLName, s.SrcBck, s.DstBck)
}

// aisStatus is s as AIStore's nl.Status.
func aisStatus(s *api.JobStatus) api.AisXactStatus {
	st := api.AisXactStatus{Kind: s.Kind, UUID: s.ID, Err: s.Err, Aborted: s.State == api.JobAborted}
	if s.State == api.JobFailed && st.Err == "" {
		// AIStore's status tells a failed job from a finished one only by
		// its error.
		st.Err = "job failed"
	}
	if s.Finished() {
		st.EndTime = time.Now().UnixNano()
		if t, err := time.Parse(time.RFC3339Nano, s.EndTime); err == nil {
			st.EndTime = t.UnixNano()
		}
	}
	return st
}

// handleXactWhat serves the what= of AIStore's job queries.
func (c *control) handleXactWhat(w http.ResponseWriter, r *http.Request, what string) {
	q, err := xactQuery(r)
	if err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	switch what {
	case api.WhatXactStatus:
		if q.ID == "" && q.Kind == "" {
			api.WriteErr(w, r, http.StatusBadRequest, "what=%s: give the job's id (or kind) in the body {\"id\": ...}", what)
			return
		}
		jobs := c.matchJobs(r, q)
		if len(jobs) == 0 {
			api.WriteErr(w, r, http.StatusNotFound, "job %q (kind %q) does not exist", q.ID, q.Kind)
			return
		}
		// A running one if any, else the one that ended last.
		pick := jobs[len(jobs)-1]
		for _, s := range jobs {
			if !s.Finished() {
				pick = s
			}
		}
		api.WriteJSON(w, aisStatus(&pick))
	case api.WhatXactStatusAll:
		out := []api.AisXactStatus{}
		for _, s := range c.matchJobs(r, q) {
			out = append(out, aisStatus(&s))
		}
		api.WriteJSON(w, out)
	case api.WhatXactRunning:
		out := []string{}
		for _, s := range c.matchJobs(r, q) {
			if !s.Finished() {
				out = append(out, fmt.Sprintf("%s[%s]", s.Kind, s.ID))
			}
		}
		api.WriteJSON(w, out)
	case api.WhatXactQuery, api.WhatXactStats:
		jobs := c.matchJobs(r, q)
		if q.ID != "" && len(jobs) == 0 {
			api.WriteErr(w, r, http.StatusNotFound, "job %q does not exist", q.ID)
			return
		}
		api.WriteJSON(w, c.snaps(jobs))
	}
}

// snaps is AIStore's MultiSnap of jobs: per live target, one snap per job.
func (c *control) snaps(jobs []api.JobStatus) map[string][]api.AisXactSnap {
	out := map[string][]api.AisXactSnap{}
	targets, _ := c.p.aliveTargets(false)
	for _, t := range targets {
		out[t.ID] = []api.AisXactSnap{}
	}
	for _, s := range jobs {
		start, _ := time.Parse(time.RFC3339Nano, s.StartTime)
		var end time.Time
		if s.Finished() {
			end = time.Now()
			if t, err := time.Parse(time.RFC3339Nano, s.EndTime); err == nil {
				end = t
			}
		}
		ids := slices.Sorted(maps.Keys(s.Targets))
		errs := objErrsByTarget(s.ObjErrs, ids)
		for i, id := range ids {
			ext := &api.AisXactExt{Counters: s.Targets[id], ETLName: s.ETLName, DirectPut: s.DirectPut, ObjErrs: errs[id]}
			cnt := ext.Counters
			snap := api.AisXactSnap{Ext: ext, StartTime: start, EndTime: end,
				Bck: api.AisBucket(s.DstBck), SrcBck: api.AisBucket(s.SrcBck), DstBck: api.AisBucket(s.DstBck),
				ID: s.ID, Kind: s.Kind, CtlMsg: ctlMsg(&s),
				Stats:   api.AisXactCounts{LocObjs: cnt.ObjsOut, LocBytes: cnt.BytesOut},
				Aborted: s.State == api.JobAborted, Idle: s.Finished()}
			// The job's error once, on the first target, so that a client
			// printing per-target errors prints it once.
			if i == 0 && s.State != api.JobAborted {
				snap.Err = s.Err
			}
			if s.State == api.JobAborted {
				snap.AbortErr = s.Err
			}
			out[id] = append(out[id], snap)
		}
	}
	return out
}

// objErrsByTarget splits a job's object errors by the target that
// recorded them; one of no target or of a target not in ids goes with
// the first of ids, so that every error is in some snap.
func objErrsByTarget(errs []api.ObjErr, ids []string) map[string][]api.ObjErr {
	out := map[string][]api.ObjErr{}
	if len(ids) == 0 {
		return out
	}
	for _, e := range errs {
		id := e.Target
		if !slices.Contains(ids, id) {
			id = ids[0]
		}
		out[id] = append(out[id], e)
	}
	return out
}

// handleClusterAct serves PUT /v1/cluster with AIStore's job actions:
// "stop" {"id":..., "kind":...} aborts jobs, "start" {"Kind":
// "cleanup-store"} starts a storage cleanup.
func (c *control) handleClusterAct(w http.ResponseWriter, r *http.Request) {
	if !c.p.authorized(w, r) {
		return
	}
	msg, ok := api.ReadActMsgOr400(w, r)
	if !ok {
		return
	}
	switch msg.Action {
	case api.ActXactStop:
	case api.ActXactStart:
		c.startXaction(w, r, msg)
		return
	default:
		api.WriteErr(w, r, http.StatusBadRequest, "PUT %s: unknown action %q (etlcore serves %q and %q)", r.URL.Path, msg.Action, api.ActXactStart, api.ActXactStop)
		return
	}
	var q api.AisXactQuery
	if err := msg.DecodeValue(&q); err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	if q.ID == "" && q.Kind == "" {
		api.WriteErr(w, r, http.StatusBadRequest, "action %q: give the job's id or kind in value", api.ActXactStop)
		return
	}
	jobs := c.matchJobs(r, q)
	if q.ID != "" && len(jobs) == 0 {
		api.WriteErr(w, r, http.StatusNotFound, "job %q does not exist", q.ID)
		return
	}
	for _, s := range jobs {
		if !s.Finished() {
			c.abortJob(r.Context(), s.ID)
		}
	}
	w.WriteHeader(http.StatusOK)
}

// abortJob asks every live target to abort job id.
func (c *control) abortJob(ctx context.Context, id string) {
	if targets, err := c.p.aliveTargets(false); err == nil {
		c.p.broadcast(ctx, targets, http.MethodPost, api.PathInternal+"jobs/"+id+"/abort", nil)
	}
}
