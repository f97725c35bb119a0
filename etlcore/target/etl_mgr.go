package target

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/apimux"
	"github.com/etlbench/etlbench/etlcore/etl"
	"github.com/etlbench/etlbench/etlcore/prefixmux"
	"github.com/etlbench/etlbench/etlcore/runtime"
)

// etlInst is one ETL on this target: its transformer and communicator.
type etlInst struct {
	name   string
	spec   *etl.Spec
	secret string
	xact   string
	inst   runtime.Instance
	comm   etl.Communicator
	stats  *etl.Stats
	// latNanos and latCount total the time objects took through the
	// transformer (success or not), for /metrics.
	latNanos, latCount atomic.Int64

	mu       sync.Mutex
	stage    string
	reason   string
	stopping bool
}

// observe records one object's time through the transformer.
func (e *etlInst) observe(start time.Time) {
	e.latNanos.Add(int64(time.Since(start)))
	e.latCount.Add(1)
}

func (e *etlInst) getStage() (string, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stage, e.reason
}

type etlTable struct {
	mu   sync.RWMutex
	etls map[string]*etlInst
}

func (t *Target) getETL(name string) *etlInst {
	t.etls.mu.RLock()
	defer t.etls.mu.RUnlock()
	if e := t.etls.etls[name]; e != nil {
		return e
	}
	return t.etlByXact(name)
}

// runningETL returns the ETL if it runs here, else an error with a status.
func (t *Target) runningETL(name string) (*etlInst, int, error) {
	e := t.getETL(name)
	if e == nil {
		return nil, http.StatusNotFound, fmt.Errorf("etl %q does not exist", name)
	}
	if st, reason := e.getStage(); st != api.StageRunning {
		if reason != "" {
			return nil, http.StatusServiceUnavailable, fmt.Errorf("etl %q is %s: %s", name, st, reason)
		}
		return nil, http.StatusServiceUnavailable, fmt.Errorf("etl %q is %s", name, st)
	}
	return e, 0, nil
}

// etlRoutes registers the ETL and job routes: the transformer's object
// access (an object route: its path is not cleaned) and the proxy's
// control messages, by method and pattern.
func (t *Target) etlRoutes(mux *prefixmux.Mux) {
	mux.HandleFunc(api.PathETLObj, t.handleETLObject)
	ctl := apimux.New()
	base := api.PathInternal + "etl"
	ctl.HandleFunc("GET "+base, t.handleETLList)
	ctl.HandleFunc("POST "+base+"/{name}/init", t.handleETLInit)
	ctl.HandleFunc("POST "+base+"/{name}/stop", t.handleETLStop)
	ctl.HandleFunc("POST "+base+"/{name}/delete", func(w http.ResponseWriter, r *http.Request) {
		t.stopETL(r.PathValue("name"), "deleted", true)
	})
	ctl.HandleFunc("GET "+base+"/{name}", t.handleETLView)
	ctl.HandleFunc("GET "+base+"/{name}/logs", t.withTransformer(t.handleETLLogs))
	ctl.HandleFunc("GET "+base+"/{name}/metrics", t.withTransformer(t.handleETLMetrics))
	ctl.HandleFunc("GET "+base+"/{name}/health", t.withTransformer(t.handleETLHealth))
	mux.HandleFunc(base, t.internalAuth(ctl.ServeHTTP))
	mux.HandleFunc(base+"/", t.internalAuth(ctl.ServeHTTP))
	jobs := api.PathInternal + "jobs"
	ctl.HandleFunc("GET "+jobs, t.handleJobList)
	ctl.HandleFunc("POST "+jobs+"/{id}/start", t.handleJobStart)
	ctl.HandleFunc("POST "+jobs+"/{id}/verify", func(w http.ResponseWriter, r *http.Request) {
		t.handleJobVerify(w, r, r.PathValue("id"))
	})
	ctl.HandleFunc("POST "+jobs+"/{id}/abort", t.handleJobAbort)
	ctl.HandleFunc("GET "+jobs+"/{id}", t.handleJobView)
	mux.HandleFunc(jobs, t.internalAuth(ctl.ServeHTTP))
	mux.HandleFunc(jobs+"/", t.internalAuth(ctl.ServeHTTP))
	mux.HandleFunc(api.PathMetrics, t.handleMetrics)
}

func (t *Target) internalAuth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !api.CheckToken(r, t.cfg.AuthToken) {
			api.WriteErr(w, r, http.StatusUnauthorized, "missing or wrong auth token")
			return
		}
		h(w, r)
	}
}

func (t *Target) handleETLList(w http.ResponseWriter, r *http.Request) {
	t.etls.mu.RLock()
	out := make([]api.TargetETL, 0, len(t.etls.etls))
	for _, e := range t.etls.etls {
		out = append(out, e.view())
	}
	t.etls.mu.RUnlock()
	api.WriteJSON(w, out)
}

func (e *etlInst) view() api.TargetETL {
	st, reason := e.getStage()
	v := api.TargetETL{Name: e.name, Stage: st, Reason: reason, XactID: e.xact}
	if e.inst != nil {
		v.URL = e.inst.URL()
	}
	v.Stats, v.ObjErrs = e.stats.Snapshot()
	return v
}

// handleETLInit starts the ETL {name} on this target (the proxy's init message).
func (t *Target) handleETLInit(w http.ResponseWriter, r *http.Request) {
	var msg api.ETLInitMsg
	if _, err := api.ReadJSON(r, &msg); err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	if err := t.initETL(r.Context(), r.PathValue("name"), &msg); err != nil {
		api.WriteErr(w, r, http.StatusInternalServerError, "target %s: %v", t.cfg.ID, err)
	}
}

// handleETLStop stops the ETL {name} for the reason the message gives.
func (t *Target) handleETLStop(w http.ResponseWriter, r *http.Request) {
	var msg api.ETLStopMsg
	_, _ = api.ReadJSON(r, &msg)
	t.stopETL(r.PathValue("name"), msg.Reason, false)
}

// handleETLView answers the ETL {name} as this target sees it.
func (t *Target) handleETLView(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	e := t.getETL(name)
	if e == nil {
		api.WriteErr(w, r, http.StatusNotFound, "etl %q does not exist on target %s", name, t.cfg.ID)
		return
	}
	api.WriteJSON(w, e.view())
}

// withTransformer gives h the ETL {name} when its transformer runs here;
// else it answers 404.
func (t *Target) withTransformer(h func(http.ResponseWriter, *http.Request, *etlInst)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		e := t.getETL(name)
		if e == nil || e.inst == nil {
			api.WriteErr(w, r, http.StatusNotFound, "etl %q has no transformer on target %s", name, t.cfg.ID)
			return
		}
		h(w, r, e)
	}
}

// handleETLLogs answers the transformer's logs.
func (t *Target) handleETLLogs(w http.ResponseWriter, _ *http.Request, e *etlInst) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_ = e.inst.Logs(w)
}

// handleETLMetrics answers the transformer's CPU and memory.
func (t *Target) handleETLMetrics(w http.ResponseWriter, r *http.Request, e *etlInst) {
	m, err := e.inst.Metrics(r.Context())
	if err != nil {
		api.WriteErr(w, r, http.StatusInternalServerError, "etl %q metrics on target %s: %v", e.name, t.cfg.ID, err)
		return
	}
	api.WriteJSON(w, m)
}

// handleETLHealth probes the transformer's health path.
func (t *Target) handleETLHealth(w http.ResponseWriter, r *http.Request, e *etlInst) {
	if err := probeHealth(r.Context(), t.client, e.inst.URL(), e.spec.HealthPath()); err != nil {
		api.WriteErr(w, r, http.StatusServiceUnavailable, "%v", err)
		return
	}
	_, _ = io.WriteString(w, "Running")
}

// initETL starts the transformer, waits for its health within
// init_timeout, and connects to it.
func (t *Target) initETL(ctx context.Context, name string, msg *api.ETLInitMsg) error {
	if t.cfg.Runtime == nil {
		return fmt.Errorf("no transformer runtime configured")
	}
	spec, err := etl.DecodeNormalized(msg.Spec) // the proxy parsed, validated and normalized it
	if err != nil {
		return err
	}
	if old := t.getETL(name); old != nil {
		t.stopETL(name, "restarted", true)
	}
	e := &etlInst{name: name, spec: spec, secret: msg.Secret, xact: msg.XactID, stats: new(etl.Stats), stage: api.StageInitializing}
	t.etls.mu.Lock()
	t.etls.etls[name] = e
	t.etls.mu.Unlock()
	fail := func(err error) error {
		e.mu.Lock()
		e.stage, e.reason, e.stopping = api.StageAborted, err.Error(), true
		e.mu.Unlock()
		if e.inst != nil {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = e.inst.Stop(sctx)
			cancel()
		}
		return err
	}
	timeout := time.Duration(spec.InitTimeout)
	ictx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req := runtime.StartRequest{
		Spec: withObjTimeoutEnv(spec), TargetID: t.cfg.ID, TargetURL: t.url + api.PathETLObj + name + "/" + msg.Secret,
		DirectPut: spec.SupportDirectPut, Mountpaths: t.store.Mountpaths(), WorkDir: t.cfg.Dir,
	}
	for attempt := 1; ; attempt++ {
		inst, err := t.cfg.Runtime.Start(ictx, req)
		if err != nil {
			if errors.Is(ictx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
				// The transformer (its pod) was not even running in time.
				return fail(fmt.Errorf("etl %q: transformer not running within init_timeout %v: %w", name, timeout, err))
			}
			return fail(fmt.Errorf("etl %q: start transformer: %w", name, err))
		}
		e.mu.Lock()
		e.inst = inst
		e.mu.Unlock()
		err = waitHealthy(ictx, t.client, inst, spec.HealthPath(), timeout)
		if err == nil {
			break
		}
		e.mu.Lock()
		stopping, reason := e.stopping, e.reason
		e.mu.Unlock()
		if !stopping && attempt < maxPortRetries && portTaken(inst.Err()) {
			// The port the runtime picked was taken before the transformer
			// could listen on it (a local process transformer): try another.
			t.log.Printf("etl %s: %v; starting it again on another port", name, inst.Err())
			_ = inst.Stop(ictx) // it has exited: this frees what it held
			continue
		}
		if stopping { // stopped meanwhile (stop, delete, a newer init): say by what
			err = fmt.Errorf("%w (stopped while starting: %s)", err, reason)
		}
		return fail(fmt.Errorf("etl %q: %w", name, err))
	}
	inst := e.inst
	comm, err := etl.NewCommunicator(spec.Communication, inst.URL(), etl.CommOpts{ObjTimeout: time.Duration(spec.ObjTimeout), DialContext: t.transformerDial()})
	if err != nil {
		return fail(fmt.Errorf("etl %q: connect to transformer: %w", name, err))
	}
	e.comm = comm
	if c, ok := comm.(etl.Connector); ok {
		if err := c.Connect(ictx); err != nil {
			_ = comm.Close()
			return fail(fmt.Errorf("etl %q: connect to transformer: %w", name, err))
		}
	}
	e.mu.Lock()
	e.stage = api.StageRunning
	e.mu.Unlock()
	go t.watchETL(e)
	return nil
}

// maxPortRetries bounds the starts of a transformer that finds its port
// taken.
const maxPortRetries = 3

// portTaken reports whether a transformer ended because its port was in
// use (its last output, which the runtime's error carries, says so: Go's
// "bind: address already in use", Python's "Address already in use").
func portTaken(err error) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "address already in use")
}

// waitHealthy polls the transformer's GET <path> (/health; a Pod spec's
// readiness probe path) until it answers 200, the transformer exits, or
// the timeout ends.
func waitHealthy(ctx context.Context, cl *http.Client, inst runtime.Instance, path string, timeout time.Duration) error {
	var last error
	for {
		if last = probeHealth(ctx, cl, inst.URL(), path); last == nil {
			return nil
		}
		select {
		case <-inst.Done():
			return fmt.Errorf("transformer exited before it was ready: %v", inst.Err())
		case <-ctx.Done():
			return fmt.Errorf("transformer not healthy within init_timeout %v: %v", timeout, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func probeHealth(ctx context.Context, cl *http.Client, url, path string) error {
	hctx, cancel := context.WithTimeout(ctx, runtime.HealthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(hctx, http.MethodGet, url+path, nil)
	if err != nil {
		return err
	}
	resp, err := cl.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	return nil
}

// watchETL aborts the ETL cluster-wide when its transformer dies.
func (t *Target) watchETL(e *etlInst) {
	<-e.inst.Done()
	e.mu.Lock()
	stopping := e.stopping
	e.mu.Unlock()
	if stopping {
		return
	}
	if err := e.inst.Err(); errors.Is(err, runtime.ErrOwnerLeaving) || t.leaving.Load() {
		// The target itself is going away: not the ETL's failure, and
		// nothing to abort on the other targets.
		t.leave(fmt.Sprint(err))
		t.stopETL(e.name, fmt.Sprintf("target %s is shutting down: %v", t.cfg.ID, err), false)
		return
	}
	reason := fmt.Sprintf("target %s: transformer of etl %q died: %v", t.cfg.ID, e.name, e.inst.Err())
	t.log.Print(reason)
	t.stopETL(e.name, reason, false)
	body, _ := json.Marshal(api.ETLFailedMsg{Target: t.cfg.ID, Reason: reason})
	if err := t.tellPrimary(api.PathETL+"/"+e.name+"/_failed", body); err != nil {
		t.log.Printf("tell the primary proxy etl %s failed: %v", e.name, err)
	}
}

// stopETL stops the transformer, fails the jobs using the ETL and keeps
// its stats and reason (remove: forget it too).
func (t *Target) stopETL(name, reason string, remove bool) {
	e := t.getETL(name)
	if e == nil {
		return
	}
	e.mu.Lock()
	already := e.stopping
	e.stopping = true
	if e.stage != api.StageAborted || e.reason == "" {
		e.stage, e.reason = api.StageAborted, reason
	}
	inst := e.inst // set under e.mu by an init that may still run
	e.mu.Unlock()
	if !already {
		if reason == "" {
			reason = "stopped"
		}
		t.log.Printf("etl %s stopped: %s", name, reason)
		t.failJobsUsing(name, fmt.Sprintf("target %s: etl %q aborted: %s", t.cfg.ID, name, reason))
		if e.comm != nil {
			_ = e.comm.Close()
		}
		if inst != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = inst.Stop(ctx)
			cancel()
		}
	}
	if remove {
		t.etls.mu.Lock()
		if t.etls.etls[name] == e {
			delete(t.etls.etls, name)
		}
		t.etls.mu.Unlock()
	}
}

func (t *Target) stopAllETLs() {
	t.etls.mu.RLock()
	names := make([]string, 0, len(t.etls.etls))
	for n := range t.etls.etls {
		names = append(names, n)
	}
	t.etls.mu.RUnlock()
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Add(1)
		go func(n string) { defer wg.Done(); t.stopETL(n, "target shutting down", true) }(n)
	}
	wg.Wait()
}

// checkSecret compares secrets in constant time.
func checkSecret(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// envObjTimeout is the transformer SDK's variable bounding one object
// (transformer.EnvObjTimeout).
const envObjTimeout = "ETLBENCH_OBJ_TIMEOUT"

// withObjTimeoutEnv returns a copy of spec whose runtime env tells the
// transformer the spec's obj_timeout (unless the spec sets it): an hpull
// inline GET goes from the client straight to the transformer, so only the
// transformer can enforce it there.
func withObjTimeoutEnv(spec *etl.Spec) *etl.Spec {
	for _, e := range append(append([]etl.EnvVar(nil), spec.Env...), spec.Runtime.Env...) {
		if e.Name == envObjTimeout {
			return spec
		}
	}
	cp := *spec
	cp.Runtime.Env = append(append([]etl.EnvVar(nil), spec.Runtime.Env...),
		etl.EnvVar{Name: envObjTimeout, Value: time.Duration(spec.ObjTimeout).String()})
	return &cp
}
