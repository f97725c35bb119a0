package runner

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/etlbench/etlbench/reports"
	"github.com/etlbench/etlbench/reports/result"
	"github.com/etlbench/etlbench/scenarios"
)

// RunSchema names the version of run.json.
const RunSchema = "etlbench/run/v1"

// Cell run states in run.json.
const (
	StatusPending     = "pending"
	StatusOK          = "ok"
	StatusFailed      = "failed"
	StatusInterrupted = "interrupted"
)

// Record is run.json: what ran, where, and how each cell run ended.
type Record struct {
	Schema   string        `json:"schema"`
	Scenario string        `json:"scenario"`
	File     string        `json:"file"`
	Sets     []string      `json:"sets,omitempty"`
	Seed     int64         `json:"seed"`
	Start    time.Time     `json:"start"`
	End      time.Time     `json:"end,omitzero"`
	Cluster  ClusterRecord `json:"cluster"`
	// Peers are every cluster of a run with a cluster axis.
	Peers       []ClusterRecord `json:"peers,omitempty"`
	Interrupted bool            `json:"interrupted,omitempty"`
	Cells       []CellRecord    `json:"cells"`
	// Cleanups are the storage cleanups run between cell runs (space.go).
	Cleanups []CleanupRecord `json:"storage_cleanups,omitempty"`
	// PageCache says whether the runner filled the page cache before the
	// cells, and why (pagecache.go).
	PageCache string `json:"page_cache,omitempty"`
}

// ClusterRecord describes the cluster of a run.
type ClusterRecord struct {
	Kind       string `json:"kind"`
	Peer       string `json:"peer,omitempty"` // its cluster axis value
	Proxy      string `json:"proxy"`
	Targets    int    `json:"targets"`
	Mountpaths int    `json:"mountpaths"`
	Started    bool   `json:"started_by_run"`
	// Network describes the emulated network; empty on loopback.
	Network string `json:"network,omitempty"`
}

// CellRecord is one cell run in run.json.
type CellRecord struct {
	Index   int               `json:"index"`
	ID      string            `json:"id"`
	Axes    map[string]string `json:"axes"`
	Repeat  int               `json:"repeat"`
	Dir     string            `json:"dir"` // relative to the run directory
	Bucket  string            `json:"bucket"`
	ETL     string            `json:"etl,omitempty"`
	Status  string            `json:"status"`
	Error   string            `json:"error,omitempty"`
	Seconds float64           `json:"seconds,omitempty"`
	// Memory is the page cache fill before the load and what the kernel
	// gave the hypervisor during it.
	Memory *MemoryRecord `json:"memory,omitempty"`
}

// CellDir is where run c writes its result, relative to the run directory:
// cells/<sanitized cell id>/r<repeat>.
func CellDir(c *scenarios.Cell) string {
	return filepath.Join(CellsDir, c.DirName(), fmt.Sprintf("r%d", c.Repeat))
}

// runState is one Run in progress.
type runState struct {
	sc        *scenarios.Scenario
	opts      RunOptions
	out       string
	cl        *cluster            // the cluster of the record (the first peer's with a cluster axis)
	clusters  map[string]*cluster // by the cells' cluster axis value ("" without one)
	prog      progress
	rec       Record
	populated map[popKey]bool // dataset buckets ready in this run
	space     spaceKeeper
	mem       memoryKeeper
}

// popKey names a dataset bucket on one of the run's clusters.
type popKey struct{ peer, bucket string }

// clusterOf is the cluster cell c runs on.
func (r *runState) clusterOf(c *scenarios.Cell) *cluster { return r.clusters[c.Cluster] }

// sortedClusters are the run's clusters in a stable order.
func (r *runState) sortedClusters() []*cluster {
	keys := slices.Sorted(maps.Keys(r.clusters))
	out := make([]*cluster, 0, len(keys))
	for _, k := range keys {
		out = append(out, r.clusters[k])
	}
	return out
}

// record describes c in run.json.
func (c *cluster) record() ClusterRecord {
	return ClusterRecord{Kind: c.Kind, Peer: c.Peer, Proxy: c.URL, Targets: c.Targets, Mountpaths: c.Mountpaths, Started: c.Started, Network: c.Network}
}

// Run runs every cell of sc and writes the results and the report into the
// results directory, which it returns. A cell run that fails is recorded
// (run.json, and error.txt in its directory) and the run goes on; the
// returned error then says how many failed. Cancelling ctx stops after the
// current cell run has drained and its ETL is deleted; the report of what
// finished is still written, and a cluster the run started is brought down.
func Run(ctx context.Context, sc *scenarios.Scenario, opts RunOptions) (out string, err error) {
	if err := sc.Validate(); err != nil {
		return "", err
	}
	if err := ValidPageCache(opts.PageCache); err != nil {
		return "", err
	}
	opts.fillDefaults()
	start := opts.Now()
	out = opts.Out
	defaultDir := out == ""
	if defaultDir {
		out = freshOut(opts.ResultsRoot, sc.Name, start)
	}
	if err := prepareOut(out); err != nil {
		return out, err
	}
	runs := sc.Expand()
	r := newRunState(sc, opts, out, start, runs)
	if err := r.saveRecord(); err != nil {
		return out, err
	}
	if err := copyFile(sc.File, filepath.Join(out, "scenario.yaml")); err != nil {
		return out, err
	}
	r.prog = newProgress(opts.Display, opts.Stderr, len(runs))
	r.prog.say("scenario %s: %d cell runs (%d cells x %d repeats), results in %s", sc.Name, len(runs), len(sc.Points()), sc.Repeats, out)
	if err := r.startClusters(ctx); err != nil {
		r.prog.end()
		return out, err
	}
	r.startMemory()
	defer r.stopMemory()
	defer func() {
		if derr := r.downClusters(); derr != nil && err == nil {
			err = derr
		}
	}()
	results, failed, err := r.runCells(ctx, runs)
	if err != nil {
		return out, err
	}
	r.prog.end()
	if opts.Cleanup {
		r.destroyDatasets()
	}
	r.finish()
	if err := r.writeReport(results); err != nil {
		return out, err
	}
	if defaultDir {
		if lerr := linkLatest(opts.ResultsRoot, out); lerr != nil {
			fmt.Fprintf(opts.Stderr, "note: %v\n", lerr)
		}
	}
	return out, r.outcome(ctx, len(runs), failed)
}

// fillDefaults sets the options o leaves unset.
func (o *RunOptions) fillDefaults() {
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ResultsRoot == "" {
		o.ResultsRoot = "results"
	}
	if o.PopulateWorkers <= 0 {
		o.PopulateWorkers = 16
	}
	if o.Load == nil {
		o.Load = defaultLoad
	}
}

// freshOut is the default results directory of a run of scenario name
// started at start, never another run's.
func freshOut(root, name string, start time.Time) string {
	out := defaultOut(root, name, start)
	for k := 2; ; k++ {
		if _, err := os.Lstat(out); os.IsNotExist(err) {
			return out
		}
		out = fmt.Sprintf("%s-%d", defaultOut(root, name, start), k)
	}
}

// newRunState is the state of a run of runs, every cell pending.
func newRunState(sc *scenarios.Scenario, opts RunOptions, out string, start time.Time, runs []scenarios.Cell) *runState {
	r := &runState{sc: sc, opts: opts, out: out, populated: map[popKey]bool{}}
	r.space.free, r.space.settle = opts.freeSpace, opts.cleanupSettle
	r.mem.target = opts.fillTarget
	r.rec = Record{Schema: RunSchema, Scenario: sc.Name, File: sc.File, Sets: sc.Sets(), Seed: sc.Seed, Start: start}
	for _, c := range runs {
		cr := CellRecord{Index: c.Index, ID: c.ID, Axes: c.Axes, Repeat: c.Repeat, Dir: CellDir(&c), Bucket: c.Data.Bucket(), Status: StatusPending}
		if c.UsesETL() {
			cr.ETL = ETLName(&c)
		}
		r.rec.Cells = append(r.rec.Cells, cr)
	}
	return r
}

// startClusters connects to (or starts) the cluster, or every peer of
// the matrix, and records them.
func (r *runState) startClusters(ctx context.Context) error {
	sc, opts := r.sc, &r.opts
	var err error
	if len(sc.Matrix.Cluster) > 0 {
		if r.clusters, err = ensurePeers(ctx, sc, opts, r.prog.say); err != nil {
			return err
		}
		r.cl = r.clusters[sc.Matrix.Cluster[0]]
	} else {
		if r.cl, err = ensureCluster(ctx, sc, opts, r.prog.say); err != nil {
			return err
		}
		r.clusters = map[string]*cluster{"": r.cl}
	}
	r.rec.Cluster = r.cl.record()
	if len(r.clusters) > 1 {
		for _, cl := range r.sortedClusters() {
			r.rec.Peers = append(r.rec.Peers, cl.record())
		}
	}
	if want := sc.Cluster.Network.String(); r.cl.Kind == scenarios.ClusterEmbedded && want != r.cl.networkOrLoopback() {
		r.prog.say("note: the scenario asks for network %s, the cluster runs on %s", want, r.cl.networkOrLoopback())
	}
	for _, cl := range r.sortedClusters() {
		if cl.Targets != sc.Cluster.Targets {
			r.prog.say("note: the scenario asks for %d targets, the cluster at %s has %d", sc.Cluster.Targets, cl.URL, cl.Targets)
		}
	}
	return nil
}

// downClusters brings down the clusters the run started; it returns the
// first failure.
func (r *runState) downClusters() error {
	var first error
	for _, cl := range r.sortedClusters() {
		started := cl.Started
		if err := cl.down(); err != nil {
			fmt.Fprintf(r.opts.Stderr, "cluster down: %v\n", err)
			if first == nil {
				first = err
			}
		} else if started {
			fmt.Fprintf(r.opts.Stderr, "cluster in %s is down\n", cl.Dir)
		}
	}
	return first
}

// runCells runs every cell run until ctx is cancelled and returns the
// results and how many failed; the error is set when a cell failed and
// the cluster no longer answers (then nothing more runs).
func (r *runState) runCells(ctx context.Context, runs []scenarios.Cell) ([]*result.Result, int, error) {
	var results []*result.Result
	failed := 0
	for i := range runs {
		c := &runs[i]
		if ctx.Err() != nil {
			r.rec.Interrupted = true
			break
		}
		r.keepSpace(ctx, i)
		r.prog.cell(i, len(runs), c)
		t0 := time.Now()
		cr := &r.rec.Cells[i]
		res, cerr := r.runCell(ctx, c, cr)
		cr.Seconds = time.Since(t0).Seconds()
		if ok := r.recordCell(ctx, cr, res, cerr); ok {
			results = append(results, res)
		} else if cr.Status == StatusFailed {
			failed++
			if herr := r.clusterOf(c).connect(context.WithoutCancel(ctx), r.opts.Token); herr != nil {
				r.prog.end()
				r.finish()
				return nil, failed, fmt.Errorf("cell %s failed (%v) and the cluster no longer answers: %w", c.ID, cerr, herr)
			}
		}
		if err := r.saveRecord(); err != nil {
			r.prog.say("%v", err)
		}
	}
	return results, failed, nil
}

// recordCell sets the status of cell run cr from its outcome and says
// whether its result goes into the report.
func (r *runState) recordCell(ctx context.Context, cr *CellRecord, res *result.Result, cerr error) bool {
	switch {
	case cerr == nil && ctx.Err() != nil:
		// Drained after an interrupt: a shorter but valid measurement,
		// kept in the report (loadgen notes it in the result).
		cr.Status = StatusInterrupted
		r.rec.Interrupted = true
		r.prog.done("interrupted: " + summaryLine(res))
		return true
	case cerr == nil:
		cr.Status = StatusOK
		r.prog.done(summaryLine(res))
		return true
	case ctx.Err() != nil:
		cr.Status, cr.Error = StatusInterrupted, cerr.Error()
		r.rec.Interrupted = true
		r.prog.done("interrupted")
	default:
		cr.Status, cr.Error = StatusFailed, cerr.Error()
		_ = os.WriteFile(filepath.Join(r.out, cr.Dir, "error.txt"), []byte(cerr.Error()+"\n"), 0o644)
		r.prog.done("FAILED: " + cerr.Error())
	}
	return false
}

// writeReport writes the report of results and prints their table.
func (r *runState) writeReport(results []*result.Result) error {
	if len(results) == 0 {
		return nil
	}
	sc, stdout := r.sc, r.opts.Stdout
	if _, err := reports.Write(results, r.out, reports.Options{Title: "etlbench: " + sc.Name, Seed: sc.Seed, NoPlots: r.opts.NoPlots}); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	fmt.Fprintln(stdout)
	if err := reports.PrintTable(stdout, results); err != nil {
		return fmt.Errorf("print table: %w", err)
	}
	fmt.Fprintf(stdout, "\nreport: %s\n", filepath.Join(r.out, reports.ReportFile))
	return nil
}

// outcome is the error of a run of n cell runs of which failed failed:
// nil when all ran and none failed.
func (r *runState) outcome(ctx context.Context, n, failed int) error {
	switch {
	case r.rec.Interrupted:
		done := 0
		for _, c := range r.rec.Cells {
			if c.Status == StatusOK || c.Status == StatusFailed {
				done++
			}
		}
		return fmt.Errorf("interrupted (%v) after %d of %d cell runs; the report covers what ran: %w", context.Cause(ctx), done, n, context.Canceled)
	case failed > 0:
		return fmt.Errorf("%d of %d cell runs failed (see %s)", failed, n, filepath.Join(r.out, RunFile))
	}
	return nil
}

func (r *runState) saveRecord() error {
	return writeJSON(filepath.Join(r.out, RunFile), &r.rec)
}

func (r *runState) finish() {
	r.rec.End = r.opts.Now()
	if err := r.saveRecord(); err != nil {
		fmt.Fprintf(r.opts.Stderr, "%v\n", err)
	}
}

// destroyDatasets removes the dataset buckets this run populated.
func (r *runState) destroyDatasets() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for k := range r.populated {
		cl := r.clusters[k.peer]
		if err := cl.Client.DestroyBucket(ctx, k.bucket); err != nil {
			r.prog.say("cleanup: destroy %s on %s: %v", k.bucket, cl.URL, err)
		}
	}
}

func copyFile(src, dst string) error {
	if src == "" {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy scenario: %w", err)
	}
	defer in.Close()
	o, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("copy scenario: %w", err)
	}
	if _, err := io.Copy(o, in); err != nil {
		o.Close()
		return fmt.Errorf("copy scenario: %w", err)
	}
	return o.Close()
}
