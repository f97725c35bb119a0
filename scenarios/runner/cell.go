package runner

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/pagecache"
	"github.com/etlbench/etlbench/loadgen"
	"github.com/etlbench/etlbench/reports/result"
	"github.com/etlbench/etlbench/scenarios"
	"github.com/etlbench/etlbench/scenarios/dataset"
)

// runCell runs one cell: populate its dataset (once per run), init its
// ETL, run the load, delete the ETL and the buckets the load wrote.
func (r *runState) runCell(ctx context.Context, c *scenarios.Cell, cr *CellRecord) (*result.Result, error) {
	cl := r.clusterOf(c)
	dir := filepath.Join(r.out, CellDir(c))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cell directory: %w", err)
	}
	if c.NeedsData() {
		if err := r.populate(ctx, cl, c.Data); err != nil {
			return nil, err
		}
	}
	var etlName string
	if c.UsesETL() {
		r.prog.phase("init ETL %s (%s, %s)", ETLName(c), c.Transformer.Name, c.Comm)
		name, _, err := initETL(ctx, cl.Client, c)
		if err != nil {
			_ = deleteETL(cl.Client, name)
			return nil, err
		}
		etlName = name
		defer func() {
			if err := deleteETL(cl.Client, name); err != nil {
				r.prog.say("%v", err)
			}
		}()
	}
	cfg := r.config(c, cl, dir, etlName)
	defer r.dropWritten(cl, c, &cfg)
	cr.Memory = r.fillPageCache(ctx, c)
	reported, counted := pagecache.HostReported()
	meter := newCPUMeter(cl.pids())
	cfg.Window = meter.window
	if cfg.Warmup > 0 {
		r.prog.phase("load: %s warm-up, %s measured", cfg.Warmup, cfg.Duration)
	} else {
		r.prog.phase("load: %s", cfg.Duration)
	}
	r.prog.measure(cfg.Warmup + cfg.Duration)
	res, err := r.opts.Load(ctx, cfg)
	if err != nil {
		return res, fmt.Errorf("load: %w", err)
	}
	if res == nil {
		return nil, fmt.Errorf("load: no result")
	}
	rewrite := counted && noteReported(&cr.Memory, reported, res)
	if sc := meter.result(res); sc != nil {
		res.ServerCPU = sc
		rewrite = true
	}
	if rewrite {
		if err := loadgen.WriteResult(dir, res); err != nil {
			return res, err
		}
	}
	if etlName != "" && fixETLNote(res, etlName) {
		if err := loadgen.WriteResult(dir, res); err != nil {
			return res, err
		}
	}
	return res, nil
}

// fixETLNote replaces loadgen's note that the ETL was found running (it
// was: this run started it for the cell) with what really happens to it.
func fixETLNote(res *result.Result, etlName string) bool {
	changed := false
	notes := res.Notes[:0]
	for _, n := range res.Notes {
		if strings.HasPrefix(n, "ETL "+etlName+" was already running") {
			changed = true
			continue
		}
		notes = append(notes, n)
	}
	if changed {
		res.Notes = append(notes, "ETL "+etlName+" was initialized for this cell by etlbench run and deleted after it")
	}
	return changed
}

// populate makes the dataset's bucket hold its objects, once per run.
func (r *runState) populate(ctx context.Context, cl *cluster, k scenarios.DataKey) error {
	b := k.Bucket()
	pk := popKey{cl.Peer, b}
	if r.populated[pk] {
		return nil
	}
	r.prog.phase("populate %s: %s", b, k)
	t0 := time.Now()
	st, err := dataset.Populate(ctx, cl.Client, b, k.Spec(), r.opts.PopulateWorkers, func(done int) { r.prog.populated(done, k.Objects) })
	if err != nil {
		return err
	}
	r.populated[pk] = true
	if st.Reused {
		r.prog.phase("dataset %s is already in place: reused", b)
	} else {
		r.prog.phase("populated %s: %d objects, %.1f MiB in %.1fs", b, st.Put, float64(st.Bytes)/(1<<20), time.Since(t0).Seconds())
	}
	return nil
}

// statsInterval picks the stats interval: about 20 per run, 1s..10s.
func statsInterval(d time.Duration) time.Duration {
	return min(max(d/20, time.Second), 10*time.Second).Round(time.Second)
}

// config is the loadgen configuration of cell run c.
func (r *runState) config(c *scenarios.Cell, cl *cluster, dir, etlName string) loadgen.Config {
	sc := r.sc
	bucket := c.Data.Bucket()
	cfg := loadgen.Config{
		Proxy:         cl.URL,
		Token:         r.opts.Token,
		Bucket:        bucket,
		Duration:      sc.Duration,
		Warmup:        sc.Warmup,
		StatsInterval: statsInterval(sc.Duration),
		Workers:       c.Workers,
		Op:            c.Op,
		Seed:          sc.Seed,
		OutDir:        dir,
		Display:       DisplayNone,
		Scenario:      sc.Name,
		Cell:          c.Axes,
		CellID:        c.ID,
		Repeat:        c.Repeat,
		ClusterKind:   cl.Kind,
		Network:       cl.Network,
		LinkCounters:  loadgen.EmbeddedLinkCounters(cl.State),
		Mountpaths:    cl.Mountpaths,
	}
	if c.Model == scenarios.ModelOpen {
		cfg.Rate = c.Rate
	}
	if len(c.Data.Sizes) > 0 {
		for _, s := range c.Data.Sizes {
			cfg.Sizes = append(cfg.Sizes, loadgen.WeightedSize{Size: int64(s), Weight: 1})
		}
	} else {
		cfg.MinSize, cfg.MaxSize = int64(c.Data.MinSize), int64(c.Data.MaxSize)
	}
	switch c.Op {
	case result.OpPut:
		cfg.Bucket = bucket + "-put" // never into a dataset
		cfg.Cleanup = true
	case result.OpMixed:
		cfg.PctPut = c.PctPut
		cfg.Cleanup = true // delete what it PUT into the dataset bucket
	case result.OpETLBucket, result.OpETLMulti:
		cfg.DstBucket = bucket + "-out"
		cfg.Warmup = 0 // offline jobs have no warm-up: each job is measured whole
	case result.OpETLCopy, result.OpClientETLCopy:
		cfg.DstBucket = bucket + "-out"
	}
	if result.IsClientOp(c.Op) {
		cfg.ETLName = c.Transformer.Builtin // run in the loader
		cfg.ETLArgs = c.Transformer.Args
	}
	if c.UsesETL() {
		cfg.ETLName = etlName
		cfg.ETLArgs = c.Transformer.Args
		cfg.Comm = c.Comm
		cfg.DirectPut = c.DirectPut
	}
	return cfg
}

// dropWritten destroys the buckets a cell run wrote into (not the dataset).
func (r *runState) dropWritten(cl *cluster, c *scenarios.Cell, cfg *loadgen.Config) {
	var b string
	switch c.Op {
	case result.OpPut:
		b = cfg.Bucket
	case result.OpETLCopy, result.OpETLBucket, result.OpETLMulti, result.OpClientETLCopy:
		b = cfg.DstBucket
	default:
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := cl.Client.DestroyBucket(ctx, b); err != nil && !api.IsNotFound(err) {
		r.prog.say("destroy %s: %v", b, err)
	}
}

// summaryLine is a one-line summary of a cell result.
func summaryLine(res *result.Result) string {
	if res == nil || len(res.Summary) == 0 {
		return "no operations"
	}
	ops := slices.Sorted(maps.Keys(res.Summary))
	parts := make([]string, 0, len(ops))
	for _, op := range ops {
		s := res.Summary[op]
		parts = append(parts, fmt.Sprintf("%s %.0f ops/s %.1f MiB/s p50 %s p99 %s errors %d",
			op, s.OpsPerSec, s.MiBPerSec, fmtUS(s.LatencyUS.P50), fmtUS(s.LatencyUS.P99), s.Errors))
	}
	return strings.Join(parts, "; ")
}

// fmtUS formats microseconds readably.
func fmtUS(us float64) string {
	switch {
	case us >= 1e6:
		return fmt.Sprintf("%.2fs", us/1e6)
	case us >= 1e3:
		return fmt.Sprintf("%.2fms", us/1e3)
	}
	return fmt.Sprintf("%.0fus", us)
}
