package loadgen

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/httpconn"
	"github.com/etlbench/etlbench/etlcore/netcount"
	"github.com/etlbench/etlbench/etlcore/transformer"
	"github.com/etlbench/etlbench/reports/result"
)

// runner is one run in progress.
type runner struct {
	cfg     Config
	c       *api.Client   // measured requests (with --timeout)
	cs      []*api.Client // c, and one like it for each of Config.Proxies
	ctl     *api.Client   // control requests: ETL, jobs, listing, cleanup (no timeout)
	rec     *Recorder
	pool    *pool
	content *Content
	sizes   SizeDist
	etl     *etlSession
	verify  func([]byte) ([]byte, error)
	// clientFn is the transform of the client-side ops (clientetl.go).
	clientFn transformer.Transform
	// main is the operation of Config.Op; the requests are drawn from
	// putReq and readReq (readOp names the latter).
	main            operation
	putReq, readReq request
	readOp          string
	pacer           Pacer
	disp            display
	hlog            *hlogSet
	res             *result.Result
	// net counts the bytes of the loader's connections; costs samples
	// the cost counters of the cluster and the loader (costs.go).
	net   netcount.Counter
	costs *costCollector
	// doneOps and donePayload count the operations done so far and their
	// payload, read by the costs' snapshots.
	doneOps, donePayload atomic.Int64
	// progress gets set-up messages (plain text modes only).
	progress io.Writer

	t0, warmEnd, end time.Time // end is zero when the duration does not end the run

	sendSeq         atomic.Int64 // open loop: next send number
	putSeq          atomic.Uint64
	putBytes        atomic.Int64
	abortedInFlight atomic.Int64
	noChecksum      atomic.Int64
	peakGoroutines  atomic.Int64
	jobsDone        atomic.Int64
	jobVerified     atomic.Int64
	jobVerifyBad    atomic.Int64
	verifiedGets    atomic.Int64
	verifiedLists   atomic.Int64

	stopOnce    sync.Once
	stopReason  atomic.Value    // string
	issueCtx    context.Context // ends when the run stops issuing
	issueCancel context.CancelFunc

	errMu     sync.Mutex
	firstErrs []string
	errKinds  map[string]bool // op and class of the errors in firstErrs

	createdSrc, createdDst bool
	intervals              []result.Interval
	jobs                   []jobRecord
}

// maxFirstErrors is how many distinct error messages a result keeps.
const maxFirstErrors = 10

// Run makes one load run as cfg says and returns its result; with
// cfg.OutDir set it also writes result.json and one <op>.hlog per
// operation there. progress (may be nil) gets the live display and the
// final summary. Cancelling ctx stops the run gracefully: no new requests,
// the ones in flight drain (up to cfg.DrainTimeout), the summary is
// printed, the ETL the run started is stopped and deleted, and --cleanup
// is done; the partial result is returned with a note.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*result.Result, error) {
	if err := cfg.Normalize(); err != nil {
		return nil, err
	}
	if cfg.Seed == 0 {
		cfg.Seed = time.Now().UnixNano()
	}
	if cfg.ObjPrefix == "" {
		cfg.ObjPrefix = fmt.Sprintf("lg-%x/", uint64(cfg.Seed))
	}
	r := &runner{cfg: cfg, sizes: cfg.SizeDist(), readOp: cfg.readOp(), progress: progress, main: cfg.operation()}
	r.putReq = request{name: OpPut, op: operations[OpPut]}
	if r.readOp != "" {
		r.readReq = request{name: r.readOp, op: operations[r.readOp]}
	}
	r.c = newLoadClient(&cfg, &r.net)
	// The workers' keep-alive connections end with the run: a library
	// caller (etlbench run, tests) leaves no sockets open on the cluster.
	defer r.c.HTTP.CloseIdleConnections()
	r.cs = []*api.Client{r.c}
	for _, u := range cfg.Proxies {
		c := *r.c
		c.Base = strings.TrimRight(u, "/")
		r.cs = append(r.cs, &c)
	}
	r.ctl = api.NewClient(cfg.Proxy)
	r.ctl.Token = cfg.Token
	r.ctl.HTTP.Transport = r.c.HTTP.Transport // one connection pool
	r.res = newResult(&cfg)

	if err := r.setup(ctx); err != nil {
		if terr := r.main.cleanup(ctx, r); terr != nil {
			err = fmt.Errorf("%w (and %v)", err, terr)
		}
		if cfg.Cleanup && (r.createdSrc || r.createdDst) {
			bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			if cerr := r.cleanup(bg); cerr != nil {
				err = fmt.Errorf("%w (and cleanup: %v)", err, cerr)
			}
			cancel()
		}
		r.hlog.close()
		return nil, err
	}
	r.disp = newDisplay(progress, &r.cfg)
	r.load(ctx)
	return r.finish(ctx, progress)
}

// newLoadClient returns an API client tuned for load: enough idle
// connections for every worker, the request timeout.
func newLoadClient(cfg *Config, nc *netcount.Counter) *api.Client {
	c := api.NewClient(cfg.Proxy)
	c.Token = cfg.Token
	c.Dial = nc.DialContext(netcount.Client, &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second})
	if tr, ok := c.HTTP.Transport.(*http.Transport); ok {
		tr.DialContext = c.Dial
		n := cfg.Workers + 16
		if n < 256 {
			n = 256
		}
		tr.MaxIdleConns = n * 2
		tr.MaxIdleConnsPerHost = n
		tr.MaxConnsPerHost = 0
		// Objects are bytes: no gzip negotiation, no transparent inflate.
		tr.DisableCompression = true
		tr.ForceAttemptHTTP2 = false
		tr.WriteBufferSize, tr.ReadBufferSize = 64<<10, 64<<10
	}
	c.HTTP.Timeout = cfg.Timeout
	return c
}

// setup checks the cluster, the buckets and the ETL, populates and lists
// the source objects.
func (r *runner) setup(ctx context.Context) error {
	cfg := &r.cfg
	if err := r.checkCluster(ctx); err != nil {
		return err
	}
	var err error
	if r.createdSrc, err = ensureBucket(ctx, r.ctl, cfg.Bucket); err != nil {
		return err
	}
	if r.main.traits().dst {
		if r.createdDst, err = ensureBucket(ctx, r.ctl, cfg.DstBucket); err != nil {
			return err
		}
	}
	if err := r.main.prepare(ctx, r); err != nil {
		return err
	}
	r.content = NewContent(cfg.Seed)
	var listed []api.ListEntry
	if r.readOp != "" || cfg.Offline() {
		if listed, err = r.listSource(ctx); err != nil {
			return err
		}
	}
	r.pool = newPool(listed, cfg.ObjPrefix)
	ops := r.requestOps()
	r.rec = NewRecorder(cfg.Open(), ops...)
	if cfg.Open() {
		r.pacer = ConstantPacer{PerSec: cfg.Rate}
	}
	if cfg.OutDir != "" {
		if r.hlog, err = openHlogs(cfg.OutDir, ops, cfg.Open()); err != nil {
			return err
		}
	}
	return nil
}

// checkCluster reads the cluster map: the targets for the result and the
// cost accounting.
func (r *runner) checkCluster(ctx context.Context) error {
	cfg := &r.cfg
	smap, err := r.ctl.Smap(ctx)
	if err != nil {
		return fmt.Errorf("cluster at %s: %w", cfg.Proxy, err)
	}
	alive := 0
	for _, t := range smap.Targets {
		if t.Alive {
			alive++
		}
	}
	r.res.Cluster.Targets = len(smap.Targets)
	r.costs = newCostCollector(cfg, smap, &r.net)
	if !cfg.Offline() {
		r.costs.work = func() (int64, int64) { return r.doneOps.Load(), r.donePayload.Load() }
	}
	if alive < len(smap.Targets) {
		r.note("%d of %d targets are down at the start", len(smap.Targets)-alive, len(smap.Targets))
	}
	return nil
}

// prepareETL finds or initializes the cluster ETL the settings name and,
// with --verify, the local transform its output is checked against.
func (r *runner) prepareETL(ctx context.Context) error {
	cfg := &r.cfg
	what := cfg.ETLName
	if len(cfg.ETLSpec) > 0 {
		what = "from the spec"
	}
	r.say("preparing the ETL (%s)...", what)
	var err error
	if r.etl, err = setupETL(ctx, r.ctl, cfg); err != nil {
		return err
	}
	if r.etl.note != "" {
		r.note("%s", r.etl.note)
	}
	r.res.ETLSpec = r.etl.spec
	r.res.SpecHash = specHash(r.etl.spec)
	r.res.Config["etl-name"] = r.etl.name
	if !cfg.Verify {
		return nil
	}
	if len(cfg.Pipeline) > 0 {
		return fieldErrRel("verify", []string{"pipeline"}, "with a %[1]s is not supported")
	}
	f, ok := verifier(r.etl.transformer, cfg.ETLArgs)
	if !ok {
		return fieldErrf("verify", "ETL %s does not run a built-in transformer (%s), so its output cannot be computed locally", r.etl.name, builtinNames())
	}
	r.verify = f
	return nil
}

// listSource lists the source bucket, sorted by name, populating it first
// up to cfg.Objects.
func (r *runner) listSource(ctx context.Context) ([]api.ListEntry, error) {
	cfg := &r.cfg
	listed, err := r.ctl.ListAll(ctx, cfg.Bucket, "")
	if err != nil {
		return nil, fmt.Errorf("list bucket %s: %w", cfg.Bucket, err)
	}
	if len(listed) < cfg.Objects {
		r.say("populating bucket %s: %d objects (%s)...", cfg.Bucket, cfg.Objects-len(listed), r.sizes)
		err := PopulateWith(ctx, r.ctl, cfg.Bucket, PopulateOptions{
			N: cfg.Objects, Start: 0, Sizes: r.sizes, Seed: cfg.Seed, Workers: cfg.Workers, SkipExisting: listed,
		})
		if err != nil {
			return nil, err
		}
		if listed, err = r.ctl.ListAll(ctx, cfg.Bucket, ""); err != nil {
			return nil, fmt.Errorf("list bucket %s: %w", cfg.Bucket, err)
		}
	}
	// Reads never choose the run's own earlier writes under the PUT prefix
	// twice: they are in the listing already.
	sort.Slice(listed, func(i, j int) bool { return listed[i].Name < listed[j].Name })
	if len(listed) == 0 && cfg.PctPut == 0 {
		return nil, fieldErrRel("objects", []string{"bucket", "objects", "pct_put"}, "%[1]s %[4]s has no objects to read: set %[2]s to populate it, or %[3]s", cfg.Bucket)
	}
	return listed, nil
}

// ensureBucket creates bck when missing and says whether it did.
func ensureBucket(ctx context.Context, c *api.Client, bck string) (bool, error) {
	ok, err := c.HeadBucket(ctx, bck)
	if err != nil {
		return false, fmt.Errorf("bucket %s: %w", bck, err)
	}
	if ok {
		return false, nil
	}
	if err := c.CreateBucket(ctx, bck); err != nil {
		if api.StatusOf(err) == http.StatusConflict {
			return false, nil
		}
		return false, fmt.Errorf("create bucket %s: %w", bck, err)
	}
	return true, nil
}

// say prints a set-up message in the plain-text displays.
func (r *runner) say(format string, a ...any) {
	if r.progress == nil || r.cfg.JSON || r.cfg.Display == "none" {
		return
	}
	fmt.Fprintf(r.progress, "etlbench load: "+format+"\n", a...)
}

// stop ends the issuing of requests (once); reason goes to the notes.
func (r *runner) stop(reason string) {
	r.stopOnce.Do(func() {
		r.stopReason.Store(reason)
		r.issueCancel()
	})
}

// load runs the workers (or the offline jobs) and the interval clock until
// the run ends, then drains and closes the last interval.
func (r *runner) load(ctx context.Context) {
	cfg := &r.cfg
	issueCtx, issueCancel := context.WithCancel(ctx)
	defer issueCancel()
	r.issueCtx, r.issueCancel = issueCtx, issueCancel
	reqCtx, reqCancel := context.WithCancel(context.WithoutCancel(ctx))
	defer reqCancel()

	warm := cfg.Warmup
	if cfg.Offline() {
		warm = 0
	}
	r.costs.begin(ctx, time.Now().Add(warm))
	r.t0 = time.Now()
	r.warmEnd = r.t0.Add(cfg.Warmup)
	if cfg.Offline() && cfg.Warmup > 0 {
		r.note("warm-up does not apply to offline jobs: ignored")
		r.warmEnd = r.t0
	}
	if cfg.Duration > 0 {
		r.end = r.warmEnd.Add(cfg.Duration)
		if !cfg.Offline() {
			t := time.AfterFunc(time.Until(r.end), func() { r.stop("duration") })
			defer t.Stop()
		}
	}
	r.res.Start = r.t0
	if cfg.Window != nil {
		// The same window as the cost accounting's: from the warm-up's end.
		t := time.AfterFunc(warm, func() { cfg.Window(true) })
		defer t.Stop()
	}
	r.disp.start(r)

	finish := make(chan struct{})
	lastStart := make(chan time.Time, 1)
	go r.clock(finish, lastStart)

	var wg sync.WaitGroup
	r.startIssuing(issueCtx, reqCtx, &wg)
	<-issueCtx.Done()
	// A costs' window that starts after a warm-up ends with the issuing:
	// the requests still in flight are not its operations, those in
	// flight at its start are, which balances in a steady state. One that
	// starts with the run (no requests in flight) ends after the drain
	// (none either); so do jobs.
	windowAtStop := cfg.Warmup > 0 && !cfg.Offline()
	costsEnded := make(chan struct{})
	if windowAtStop {
		go func() { r.costs.end(context.WithoutCancel(ctx)); close(costsEnded) }()
	}
	stopAt := time.Now()
	if !r.end.IsZero() && stopAt.After(r.end) && !cfg.Offline() {
		stopAt = r.end
	}
	if ctx.Err() != nil {
		r.stopOnce.Do(func() { r.stopReason.Store("interrupted") })
	}
	r.drain(&wg, reqCancel)
	if windowAtStop {
		<-costsEnded
	} else {
		r.costs.end(context.WithoutCancel(ctx))
	}
	if cfg.Window != nil {
		cfg.Window(false)
	}
	close(finish)
	start := <-lastStart
	r.rotate(start, time.Now())
	r.res.End = time.Now()
	measured := stopAt.Sub(r.warmEnd)
	if cfg.Offline() {
		measured = stopAt.Sub(r.t0)
	}
	if measured < 0 {
		measured = 0
	}
	r.res.Duration = measured.Seconds()
	r.disp.stop(ctx.Err() != nil)
}

// startIssuing starts the offline jobs, or the workers, in wg.
func (r *runner) startIssuing(issueCtx, reqCtx context.Context, wg *sync.WaitGroup) {
	cfg := &r.cfg
	if cfg.Offline() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.runJobs(issueCtx, reqCtx)
			r.stop("jobs done")
		}()
		return
	}
	for i := 0; i < cfg.Workers; i++ {
		w := newWorker(i, cfg.Seed)
		w.c = r.cs[i%len(r.cs)]
		if strings.HasPrefix(w.c.Base, "http://") {
			w.conn = httpconn.New(w.c)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if w.conn != nil {
				defer w.conn.Close()
			}
			if cfg.Open() {
				r.openLoop(issueCtx, reqCtx, w)
			} else {
				r.closedLoop(issueCtx, reqCtx, w)
			}
		}()
	}
}

// drain waits for the requests in flight (wg), up to the drain timeout;
// then it cancels them (reqCancel) and waits for their end.
func (r *runner) drain(wg *sync.WaitGroup, reqCancel context.CancelFunc) {
	drained := make(chan struct{})
	go func() { wg.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(r.cfg.DrainTimeout):
		r.note("requests still in flight after the drain timeout (%s) were cancelled", r.cfg.DrainTimeout)
		reqCancel()
		<-drained
	}
}

// closedLoop: send the next request when the last one returned.
func (r *runner) closedLoop(issueCtx, reqCtx context.Context, w *worker) {
	for issueCtx.Err() == nil {
		r.execute(reqCtx, w, r.chooseOp(w), time.Now())
	}
}

// openLoop: take the next scheduled send, wait for its time, send it; a
// send already later than MaxLag is counted as missed and not made.
func (r *runner) openLoop(issueCtx, reqCtx context.Context, w *worker) {
	for {
		i := r.sendSeq.Add(1) - 1
		due := r.t0.Add(r.pacer.Due(i))
		if !r.end.IsZero() && !due.Before(r.end) {
			// Past the end: this worker is done; the end timer stops the
			// run once the sends due before it (other workers) are made.
			return
		}
		if d := time.Until(due); d > 0 {
			w.timer.Reset(d)
			select {
			case <-issueCtx.Done():
				w.timer.Stop()
				return
			case <-w.timer.C:
			}
		} else if issueCtx.Err() != nil {
			return
		}
		op := r.chooseOp(w)
		if time.Since(due) > r.cfg.MaxLag {
			r.rec.Missed(op.name)
			continue
		}
		r.execute(reqCtx, w, op, due)
	}
}

// clock rotates the stats intervals at their boundaries until finish is
// closed, then sends the start of the open interval.
func (r *runner) clock(finish <-chan struct{}, lastStart chan<- time.Time) {
	cur := r.t0
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		b := cur.Add(r.cfg.StatsInterval)
		if cur.Before(r.warmEnd) && b.After(r.warmEnd) {
			b = r.warmEnd
		}
		t.Reset(time.Until(b))
		select {
		case <-finish:
			lastStart <- cur
			return
		case <-t.C:
			r.rotate(cur, b)
			cur = b
		}
	}
}

// rotate closes the interval [start, end).
func (r *runner) rotate(start, end time.Time) {
	warm := start.Before(r.warmEnd)
	rot, err := r.rec.Rotate(start, end, warm)
	if err != nil {
		r.note("interval %s: %v", start.Format(time.RFC3339), err)
		return
	}
	r.intervals = append(r.intervals, rot.Interval)
	if !warm && r.hlog != nil {
		if err := r.hlog.write(rot); err != nil {
			r.note("hlog: %v", err)
		}
	}
	if g := int64(currentGoroutines()); g > r.peakGoroutines.Load() {
		r.peakGoroutines.Store(g)
	}
	r.disp.interval(r, rot)
}

// note adds a line to the result's notes.
func (r *runner) note(format string, a ...any) {
	r.errMu.Lock()
	r.res.Notes = append(r.res.Notes, fmt.Sprintf(format, a...))
	r.errMu.Unlock()
}

// noteErr keeps the first distinct error messages (up to maxFirstErrors),
// and always the first one of each operation and class, so that every
// class counted in the summary has an example in the notes.
func (r *runner) noteErr(op, class string, err error) {
	key := op + " " + class
	r.errMu.Lock()
	defer r.errMu.Unlock()
	if r.errKinds == nil {
		r.errKinds = map[string]bool{}
	}
	if r.errKinds[key] && len(r.firstErrs) >= maxFirstErrors {
		return // the common case under many errors: nothing to format
	}
	msg := fmt.Sprintf("%s (%s): %v", op, class, err)
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	if r.errKinds[key] && slices.Contains(r.firstErrs, msg) {
		return
	}
	r.errKinds[key] = true
	r.firstErrs = append(r.firstErrs, msg)
}

// finish writes the summary, stops the ETL, cleans up and writes the files.
func (r *runner) finish(ctx context.Context, progress io.Writer) (*result.Result, error) {
	cfg := &r.cfg
	res := r.res
	res.Intervals = r.intervals
	r.summarize()
	r.noteCounts()
	var errs []string
	if cfg.Verify && r.main.traits().kind == kindWrite && ctx.Err() == nil {
		if n, err := r.verifyPuts(context.WithoutCancel(ctx)); err != nil {
			err = fmt.Errorf("--verify: %w", err)
			r.note("%v", err)
			errs = append(errs, err.Error())
		} else {
			r.note("--verify: %d of the run's PUTs read back, every one byte-exact", n)
		}
	}
	for _, op := range r.rec.Ops() {
		if s := res.Summary[op]; s.Missed > 0 {
			r.note("%s: the loader could not keep the rate of %.6g/s: %d sends missed (later than %s)", op, s.TargetRate, s.Missed, cfg.MaxLag)
		}
	}
	for _, e := range r.firstErrs {
		r.note("error: %s", e)
	}
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	r.recordServer(bg)
	res.Loader = selfStats(int(r.peakGoroutines.Load()))
	res.Costs = r.costs.costs(r.windowWork())
	res.Costs.DstRemoteShare = r.remoteShare()
	if progress != nil {
		writeSummary(progress, res, cfg.JSON)
	}
	errs = append(errs, r.release(bg)...)
	if len(errs) > 0 {
		return res, fmt.Errorf("after the run: %s", strings.Join(errs, "; "))
	}
	return res, nil
}

// noteCounts adds the run's counters to the notes: why it stopped, what
// was cancelled, what --verify checked.
func (r *runner) noteCounts() {
	if reason, _ := r.stopReason.Load().(string); reason != "" && reason != "duration" && reason != "jobs done" {
		r.note("stopped: %s", reason)
	}
	if n := r.abortedInFlight.Load(); n > 0 {
		r.note("%d requests cancelled by the loader at the end were not recorded", n)
	}
	if n := r.jobVerified.Load(); n > 0 {
		r.note("--verify: %d job outputs checked, %d wrong", n, r.jobVerifyBad.Load())
	}
	if n := r.noChecksum.Load(); n > 0 {
		r.note("--verify/--verifyhash: %d GETs came without a checksum and were not checked", n)
	}
	if n := r.verifiedGets.Load(); n > 0 && r.etl == nil {
		r.note("--verify: %d GETs checked", n)
	}
	if n := r.verifiedLists.Load(); n > 0 {
		r.note("--verify: %d listings checked against the %d objects listed at the start", n, len(r.pool.listed))
	}
}

// recordServer puts the ETL's state on the cluster at the end into the result.
func (r *runner) recordServer(ctx context.Context) {
	if r.etl == nil {
		return
	}
	if d, err := r.ctl.ETLShow(ctx, r.etl.name); err == nil {
		r.res.Server = mustJSON(struct {
			Info    api.ETLInfo            `json:"info"`
			Targets map[string]api.ETLInfo `json:"targets,omitempty"`
			ObjErrs []api.ObjErr           `json:"obj_errs,omitempty"`
		}{d.Info, d.Targets, d.ObjErrs})
	}
}

// release undoes what the run made (the operation's cleanup, --cleanup)
// and writes the files; it returns what failed.
func (r *runner) release(ctx context.Context) []string {
	cfg := &r.cfg
	var errs []string
	if err := r.main.cleanup(ctx, r); err != nil {
		errs = append(errs, err.Error())
		r.note("%v", err)
	}
	if cfg.Cleanup {
		if err := r.cleanup(ctx); err != nil {
			errs = append(errs, err.Error())
			r.note("cleanup: %v", err)
		}
	}
	if r.hlog != nil {
		if err := r.hlog.close(); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if cfg.OutDir != "" {
		if err := WriteResult(cfg.OutDir, r.res); err != nil {
			errs = append(errs, err.Error())
		}
	}
	return errs
}

// specHash is a short hash of an ETL spec (for comparing results).
func specHash(spec []byte) string {
	if len(spec) == 0 {
		return ""
	}
	return fmt.Sprintf("%016x", xxhashSum(spec))
}

// proxyKind guesses the cluster kind from the proxy address.
func proxyKind(proxy string) string {
	u, err := url.Parse(proxy)
	if err != nil {
		return "external"
	}
	h := u.Hostname()
	if h == "localhost" || strings.HasPrefix(h, "127.") || h == "::1" {
		return "embedded"
	}
	return "external"
}
