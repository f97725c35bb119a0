package proxy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/apimux"
	"github.com/etlbench/etlbench/etlcore/etl"
	"github.com/etlbench/etlbench/etlcore/prefixmux"
)

// etlEntry is the proxy's record of one ETL (replicated and persisted).
type etlEntry struct {
	Name   string          `json:"name"`
	Spec   json.RawMessage `json:"spec"` // normalized JSON
	Stage  string          `json:"stage"`
	Reason string          `json:"reason,omitempty"`
	Secret string          `json:"secret"`
	XactID string          `json:"xact_id"`
}

// jobEntry is the proxy's record of one job (replicated and persisted).
type jobEntry struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	ETLName   string    `json:"etl_name"`
	SrcBck    string    `json:"src_bck"`
	DstBck    string    `json:"dst_bck"`
	Start     time.Time `json:"start"`
	Targets   []string  `json:"targets"`
	DirectPut bool      `json:"direct_put"`
}

// control is the ETL control plane and the job table.
type control struct {
	p    *Proxy
	mu   sync.Mutex // serializes lifecycle changes
	etls map[string]*etlEntry
	jobs map[string]*jobEntry
	jmu  sync.Mutex
}

func newControl(p *Proxy) *control {
	return &control{p: p, etls: map[string]*etlEntry{}, jobs: map[string]*jobEntry{}}
}

// saveLocked records that the ETL table changed (the replication persists
// and pushes it); c.mu is held.
func (c *control) saveLocked() { c.p.markDirty() }

func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// routes registers the ETL and job control API, by method and pattern;
// every request but a GET needs the auth token.
func (c *control) routes(mux *prefixmux.Mux) {
	m := apimux.New()
	etl := api.PathETL
	m.HandleFunc("GET "+etl, c.list)
	m.HandleFunc("PUT "+etl, c.init)
	m.HandleFunc("POST "+etl, c.init)
	m.HandleFunc("POST "+etl+"/{name}/_failed", c.failed)
	m.HandleFunc("GET "+etl+"/{name}", c.withETL(c.details))
	m.HandleFunc("DELETE "+etl+"/{name}", c.withETL(c.remove))
	m.HandleFunc("POST "+etl+"/{name}/stop", c.withETL(c.stop))
	m.HandleFunc("POST "+etl+"/{name}/start", c.withETL(c.restart))
	for _, op := range []string{"logs", "metrics", "health"} {
		m.HandleFunc("GET "+etl+"/{name}/"+op, c.withETL(c.perTarget(op)))
		m.HandleFunc("GET "+etl+"/{name}/"+op+"/{target}", c.withETL(c.perTarget(op)))
	}
	jobs := api.PathJobs
	m.HandleFunc("GET "+jobs, c.listJobs)
	m.HandleFunc("GET "+jobs+"/{$}", c.listJobs)
	m.HandleFunc("GET "+jobs+"/{id}", c.withJob(c.jobStatus))
	m.HandleFunc("POST "+jobs+"/{id}/abort", c.withJob(c.handleAbortJob))
	m.HandleFunc("PUT "+jobs+"/{id}/abort", c.withJob(c.handleAbortJob))
	h := c.authorizeChanges(m)
	for _, path := range []string{etl, etl + "/", jobs, jobs + "/"} {
		mux.Handle(path, h)
	}
}

// authorizeChanges refuses every request but a GET or HEAD without the
// auth token.
func (c *control) authorizeChanges(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !c.p.authorized(w, r) {
			return
		}
		h.ServeHTTP(w, r)
	})
}

// withETL gives h the ETL {name} (which the request may name by its job
// id); an unknown one is a 404 naming it.
func (c *control) withETL(h func(http.ResponseWriter, *http.Request, *etlEntry)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		e := c.get(name)
		if e == nil {
			api.WriteErr(w, r, http.StatusNotFound, "etl %q does not exist", name)
			return
		}
		h(w, r, e)
	}
}

func (c *control) shutdown() {}

func (c *control) targetDown(id string) {}

// init validates a spec and starts the ETL on every target, all or nothing.
func (c *control) init(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	// The one parse and validation of the spec; targets get it normalized
	// and decode it only (etl.DecodeNormalized).
	spec, err := etl.ParseSpec(body)
	if err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	spec.Normalize()
	raw, _ := json.Marshal(spec)
	c.mu.Lock()
	if _, dup := c.etls[spec.Name]; dup {
		c.mu.Unlock()
		api.WriteErr(w, r, http.StatusConflict, "etl %q already exists", spec.Name)
		return
	}
	e := &etlEntry{Name: spec.Name, Spec: raw, Stage: api.StageInitializing}
	c.etls[spec.Name] = e
	c.saveLocked()
	c.mu.Unlock()
	if err := c.start(r.Context(), e); err != nil {
		api.WriteErr(w, r, http.StatusInternalServerError, "etl %q: init failed: %v", spec.Name, err)
		return
	}
	c.mu.Lock()
	xid := e.XactID
	c.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte(xid))
}

// start starts e on every target with a new secret; on any failure every
// target cleans up and e is Aborted with the reason. The caller has moved e
// to Initializing (claimStage); an ETL stopped or started again while this
// start broadcasts is not made Running by it.
func (c *control) start(ctx context.Context, e *etlEntry) error {
	targets, err := c.p.aliveTargets(true)
	if err != nil {
		c.setStage(e, api.StageAborted, err.Error())
		return err
	}
	c.mu.Lock()
	e.Secret, e.XactID, e.Stage, e.Reason = newID(""), newID("etl-"), api.StageInitializing, ""
	xid := e.XactID
	body, _ := json.Marshal(api.ETLInitMsg{Spec: e.Spec, Secret: e.Secret, XactID: e.XactID})
	c.saveLocked()
	c.mu.Unlock()
	if errs := failures(c.p.broadcast(ctx, targets, http.MethodPost, api.PathInternal+"etl/"+e.Name+"/init", body)); len(errs) > 0 {
		reason := strings.Join(errs, "; ")
		if c.finishStart(e, xid, api.StageAborted, reason) {
			c.stopOnTargets(e.Name, reason)
		}
		return errors.New(reason)
	}
	if !c.finishStart(e, xid, api.StageRunning, "") {
		stage, reason := c.stage(e)
		return fmt.Errorf("etl %q became %s while starting: %s", e.Name, stage, reason)
	}
	return nil
}

// finishStart sets the outcome of the start whose job id is xid, if e is
// still in that start (Initializing with that id); it reports whether it did.
func (c *control) finishStart(e *etlEntry, xid, stage, reason string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.Stage != api.StageInitializing || e.XactID != xid {
		return false
	}
	e.Stage, e.Reason = stage, reason
	c.saveLocked()
	return true
}

// claimStage moves e from stage from to stage to, checking and setting
// under one lock, so that of concurrent requests exactly one makes the
// move; it returns the stage it found.
func (c *control) claimStage(e *etlEntry, from, to string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.Stage != from {
		return e.Stage, false
	}
	e.Stage, e.Reason = to, ""
	c.saveLocked()
	return from, true
}

// stage reads e's stage and reason under the lock.
func (c *control) stage(e *etlEntry) (string, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return e.Stage, e.Reason
}

func (c *control) setStage(e *etlEntry, stage, reason string) {
	c.mu.Lock()
	e.Stage, e.Reason = stage, reason
	c.saveLocked()
	c.mu.Unlock()
}

// stopOnTargets stops the ETL on every live target (they fail its jobs).
func (c *control) stopOnTargets(name, reason string) {
	targets, err := c.p.aliveTargets(false)
	if err != nil {
		return
	}
	body, _ := json.Marshal(api.ETLStopMsg{Reason: reason})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c.p.broadcast(ctx, targets, http.MethodPost, api.PathInternal+"etl/"+name+"/stop", body)
}

func (c *control) get(name string) *etlEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.etls[name]; e != nil {
		return e
	}
	return c.etlByXactLocked(name)
}

// targetETLs collects every live target's view of its ETLs.
func (c *control) targetETLs(ctx context.Context) map[string]map[string]api.TargetETL {
	out := map[string]map[string]api.TargetETL{}
	targets, err := c.p.aliveTargets(false)
	if err != nil {
		return out
	}
	for _, rp := range c.p.broadcast(ctx, targets, http.MethodGet, api.PathInternal+"etl", nil) {
		if rp.failed() {
			continue
		}
		var list []api.TargetETL
		if json.Unmarshal(rp.body, &list) != nil {
			continue
		}
		for _, v := range list {
			if out[v.Name] == nil {
				out[v.Name] = map[string]api.TargetETL{}
			}
			out[v.Name][rp.target.ID] = v
		}
	}
	return out
}

func (c *control) info(e *etlEntry, per map[string]api.TargetETL) api.ETLInfo {
	info := api.ETLInfo{Name: e.Name, Stage: e.Stage, XactID: e.XactID, Reason: e.Reason}
	// Better than AIStore: sum over every target.
	for _, v := range per {
		info.ObjCount += v.Stats.ObjsOut
		info.InBytes += v.Stats.BytesIn
		info.OutBytes += v.Stats.BytesOut
		info.Errors += v.Stats.Errors
	}
	return info
}

func (c *control) list(w http.ResponseWriter, r *http.Request) {
	per := c.targetETLs(r.Context())
	c.mu.Lock()
	out := make([]api.ETLInfo, 0, len(c.etls))
	for _, e := range c.etls {
		out = append(out, c.info(e, per[e.Name]))
	}
	c.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	api.WriteJSON(w, out)
}

// remove stops the ETL on every target and deletes it.
func (c *control) remove(w http.ResponseWriter, r *http.Request, e *etlEntry) {
	name := e.Name
	c.stopOnTargets(name, "deleted")
	if targets, err := c.p.aliveTargets(false); err == nil {
		c.p.broadcast(r.Context(), targets, http.MethodPost, api.PathInternal+"etl/"+name+"/delete", nil)
	}
	c.mu.Lock()
	delete(c.etls, name)
	c.saveLocked()
	c.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// stop stops the ETL on every target: it is Aborted.
func (c *control) stop(w http.ResponseWriter, _ *http.Request, e *etlEntry) {
	c.stopOnTargets(e.Name, "stopped by user")
	c.setStage(e, api.StageAborted, "stopped by user")
	w.WriteHeader(http.StatusOK)
}

// restart starts an Aborted ETL again; any other stage is refused,
// naming it.
func (c *control) restart(w http.ResponseWriter, r *http.Request, e *etlEntry) {
	if stage, ok := c.claimStage(e, api.StageAborted, api.StageInitializing); !ok {
		api.WriteErr(w, r, http.StatusBadRequest, "etl %q is %s: only an Aborted etl can be started", e.Name, stage)
		return
	}
	if err := c.start(r.Context(), e); err != nil {
		api.WriteErr(w, r, http.StatusInternalServerError, "etl %q: start failed: %v", e.Name, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// failed is a target's report that its transformer died: abort everywhere.
func (c *control) failed(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var msg api.ETLFailedMsg
	if _, err := api.ReadJSON(r, &msg); err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	e := c.get(name)
	if e == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	c.p.log.Printf("etl %s aborted: %s", name, msg.Reason)
	c.setStage(e, api.StageAborted, msg.Reason)
	go c.stopOnTargets(name, msg.Reason)
	w.WriteHeader(http.StatusOK)
}

func (c *control) details(w http.ResponseWriter, r *http.Request, e *etlEntry) {
	per := c.targetETLs(r.Context())[e.Name]
	c.mu.Lock()
	d := api.ETLDetails{Info: c.info(e, per), Spec: e.Spec, Targets: map[string]api.ETLInfo{}}
	c.mu.Unlock()
	for id, v := range per {
		d.Targets[id] = api.ETLInfo{Name: v.Name, Stage: v.Stage, XactID: v.XactID, ObjCount: v.Stats.ObjsOut,
			InBytes: v.Stats.BytesIn, OutBytes: v.Stats.BytesOut, Errors: v.Stats.Errors, Reason: v.Reason}
		d.ObjErrs = append(d.ObjErrs, v.ObjErrs...)
	}
	c.writeDetails(w, r, d)
}

// perTarget serves logs, metrics or health (op), from every target or
// the one named {target}.
func (c *control) perTarget(op string) func(http.ResponseWriter, *http.Request, *etlEntry) {
	return func(w http.ResponseWriter, r *http.Request, e *etlEntry) {
		targets, err := c.p.aliveTargets(false)
		if err != nil {
			api.WriteErr(w, r, http.StatusServiceUnavailable, "%v", err)
			return
		}
		if id := r.PathValue("target"); id != "" {
			var one []api.NodeInfo
			for _, t := range targets {
				if t.ID == id {
					one = append(one, t)
				}
			}
			if len(one) == 0 {
				api.WriteErr(w, r, http.StatusNotFound, "no live target %q", id)
				return
			}
			targets = one
		}
		replies := c.p.broadcast(r.Context(), targets, http.MethodGet, api.PathInternal+"etl/"+e.Name+"/"+op, nil)
		writePerTarget(w, op, replies)
	}
}

func readBody(r *http.Request) ([]byte, error) {
	b, err := ioReadAllLimit(r, 1<<20)
	if err != nil {
		return nil, err
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil, errors.New("empty spec: the body must be an ETL spec (JSON or YAML)")
	}
	return b, nil
}
