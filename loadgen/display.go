package loadgen

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/term"
	"github.com/etlbench/etlbench/reports/result"
)

// display is the live view of a run.
type display interface {
	start(r *runner)
	interval(r *runner, rot *Rotated)
	job(r *runner, id string, st *api.JobStatus, total int64, done bool)
	stop(interrupted bool)
}

// newDisplay picks the display for progress: bars on a terminal, plain
// (or JSON) lines otherwise, nothing for a nil writer.
func newDisplay(progress io.Writer, cfg *Config) display {
	if progress == nil || cfg.Display == "none" {
		return nopDisplay{}
	}
	mode := cfg.Display
	if mode == "auto" {
		mode = "lines"
		if !cfg.JSON && term.CanDraw(progress) {
			mode = "bars"
		}
	}
	if mode == "bars" && !cfg.JSON {
		return &barsDisplay{w: progress}
	}
	return &linesDisplay{w: progress, json: cfg.JSON}
}

type nopDisplay struct{}

func (nopDisplay) start(*runner)                                    {}
func (nopDisplay) interval(*runner, *Rotated)                       {}
func (nopDisplay) job(*runner, string, *api.JobStatus, int64, bool) {}
func (nopDisplay) stop(bool)                                        {}

// linesDisplay prints one line per operation per interval, like
// aisloader's periodic stats with percentiles and ops/s added.
type linesDisplay struct {
	mu    sync.Mutex // intervals and jobs print from different goroutines
	w     io.Writer
	json  bool
	lines int
}

func (d *linesDisplay) start(r *runner) {
	if d.json {
		return
	}
	model := "closed loop"
	if r.cfg.Open() {
		model = fmt.Sprintf("open loop at %.6g ops/s", r.cfg.Rate)
	}
	if r.cfg.Offline() {
		model = "offline jobs"
	}
	dur := "until done"
	if r.cfg.Duration > 0 {
		dur = r.cfg.Duration.String()
	}
	etl := ""
	if r.etl != nil {
		etl = ", ETL " + r.etl.name
	}
	workers := fmt.Sprintf("%d workers", r.cfg.Workers)
	if r.cfg.Offline() {
		workers = fmt.Sprintf("job num-workers %d, direct put %t", r.cfg.JobWorkers, r.cfg.DirectPut)
	}
	fmt.Fprintf(d.w, "etlbench load: %s, %s, %s, bucket %s, duration %s, warm-up %s%s\n",
		r.cfg.Op, model, workers, r.cfg.Bucket, dur, r.cfg.Warmup, etl)
}

const linesHeader = "%-8s %-5s %-10s %9s %9s %8s %8s %8s %8s %8s %8s %7s %10s\n"

func (d *linesDisplay) interval(r *runner, rot *Rotated) {
	d.mu.Lock()
	defer d.mu.Unlock()
	secs := rot.Interval.End.Sub(rot.Interval.Start).Seconds()
	if secs <= 0 {
		secs = 1e-9
	}
	for _, st := range rot.Stats {
		mib := float64(max(st.BytesIn, st.BytesOut)) / (1 << 20) / secs
		if d.json {
			line := struct {
				Time     time.Time           `json:"time"`
				Elapsed  float64             `json:"elapsed_sec"`
				Warmup   bool                `json:"warmup,omitempty"`
				Op       string              `json:"op"`
				Ops      int64               `json:"ops"`
				Errors   int64               `json:"errors"`
				Missed   int64               `json:"missed,omitempty"`
				OpsPerS  float64             `json:"ops_per_sec"`
				MiBPerS  float64             `json:"mib_per_sec"`
				Latency  result.Percentiles  `json:"latency_us"`
				Service  *result.Percentiles `json:"service_latency_us,omitempty"`
				TotalOps int64               `json:"total_ops"`
				TotalErr int64               `json:"total_errors"`
			}{rot.Interval.End, rot.Interval.End.Sub(r.t0).Seconds(), rot.Interval.Warmup, st.Op, st.Ops, st.Errors, st.Missed,
				float64(st.Ops) / secs, mib, st.Latency, st.Service, st.TotalOps, st.TotalErrors}
			b, _ := json.Marshal(line)
			fmt.Fprintf(d.w, "%s\n", b)
			continue
		}
		if d.lines%20 == 0 {
			fmt.Fprintf(d.w, linesHeader, "TIME", "PHASE", "OP", "OPS", "OPS/S", "MiB/S", "p50", "p90", "p99", "p99.9", "max", "ERRORS", "TOTAL-OPS")
		}
		d.lines++
		phase := "run"
		if rot.Interval.Warmup {
			phase = "warm"
		}
		l := st.Latency
		fmt.Fprintf(d.w, linesHeader, rot.Interval.End.Format("15:04:05"), phase, st.Op,
			fmt.Sprint(st.Ops), fmt.Sprintf("%.1f", float64(st.Ops)/secs), fmt.Sprintf("%.2f", mib),
			fmtUS(l.P50), fmtUS(l.P90), fmtUS(l.P99), fmtUS(l.P999), fmtUS(l.Max), fmt.Sprint(st.Errors), fmt.Sprint(st.TotalOps))
		if st.Service != nil {
			s := st.Service
			fmt.Fprintf(d.w, linesHeader, "", "", "  service", "", "", "", fmtUS(s.P50), fmtUS(s.P90), fmtUS(s.P99), fmtUS(s.P999), fmtUS(s.Max), "", "")
		}
		if st.Missed > 0 {
			fmt.Fprintf(d.w, "%-8s %-5s %-10s missed %d sends: the loader cannot keep the rate\n", "", "", st.Op, st.Missed)
		}
	}
}

func (d *linesDisplay) job(r *runner, id string, st *api.JobStatus, total int64, done bool) {
	if !done {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.json {
		b, _ := json.Marshal(struct {
			Job *api.JobStatus `json:"job"`
		}{st})
		fmt.Fprintf(d.w, "%s\n", b)
		return
	}
	fmt.Fprintf(d.w, "job %s %s: %d objects in, %d out, %s in, %s out, %d errors%s\n", id, st.State,
		st.ObjsIn, st.ObjsOut, fmtBytes(st.BytesIn), fmtBytes(st.BytesOut), st.Errors, errSuffix(st.Err))
}

func errSuffix(e string) string {
	if e == "" {
		return ""
	}
	return ": " + e
}

func (d *linesDisplay) stop(bool) {}

// barsDisplay shows mpb progress bars: the run (elapsed of duration, ops/s,
// MiB/s, p99, errors) and one bar per running job.
type barsDisplay struct {
	w      io.Writer
	p      *mpb.Progress
	main   *mpb.Bar
	total  int64
	status atomic.Value // string
	quit   chan struct{}
	wg     sync.WaitGroup

	mu   sync.Mutex
	jobs map[string]*jobBar
}

// jobBar is one job's bar and the job's latest status, which its
// decorator reads on mpb's goroutine.
type jobBar struct {
	bar *mpb.Bar
	st  atomic.Pointer[api.JobStatus]
}

func (d *barsDisplay) start(r *runner) {
	d.p = mpb.New(mpb.WithOutput(d.w), mpb.WithWidth(40), mpb.WithRefreshRate(150*time.Millisecond))
	d.jobs = map[string]*jobBar{}
	d.status.Store("starting")
	total, current := r.progressGauge()
	d.total = total
	name := r.cfg.Op
	if r.cfg.Open() {
		name += fmt.Sprintf(" @%.6g/s", r.cfg.Rate)
	}
	d.main = d.p.AddBar(total,
		mpb.PrependDecorators(decor.Name(name, decor.WCSyncSpaceR), decor.Elapsed(decor.ET_STYLE_GO, decor.WCSyncSpace)),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { s, _ := d.status.Load().(string); return s })),
	)
	d.quit = make(chan struct{})
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-d.quit:
				return
			case <-t.C:
				c := current()
				if total > 0 && c >= total {
					c = total - 1 // completed only by stop
				}
				d.main.SetCurrent(c)
			}
		}
	}()
}

func (d *barsDisplay) interval(r *runner, rot *Rotated) {
	secs := rot.Interval.End.Sub(rot.Interval.Start).Seconds()
	if secs <= 0 {
		return
	}
	var ops, errs, totErr, missed, bytes int64
	var p99 float64
	for _, st := range rot.Stats {
		ops += st.Ops
		errs += st.Errors
		totErr += st.TotalErrors
		missed += st.Missed
		bytes += max(st.BytesIn, st.BytesOut)
		p99 = max(p99, st.Latency.P99)
	}
	phase := ""
	if rot.Interval.Warmup {
		phase = "warm-up "
	}
	s := fmt.Sprintf("%s%.0f ops/s  %.2f MiB/s  p99 %s  errors %d", phase, float64(ops)/secs, float64(bytes)/(1<<20)/secs, fmtUS(p99), totErr)
	if missed > 0 {
		s += fmt.Sprintf("  missed %d", missed)
	}
	d.status.Store(s)
}

func (d *barsDisplay) job(r *runner, id string, st *api.JobStatus, total int64, done bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	jb := d.jobs[id]
	if jb == nil {
		jb = &jobBar{}
		jb.st.Store(st) // before the bar: its decorator may run at once
		jb.bar = d.p.AddBar(total,
			mpb.PrependDecorators(decor.Name("job "+id, decor.WCSyncSpaceR), decor.CountersNoUnit("%d / %d", decor.WCSyncSpace)),
			mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
				s := jb.st.Load()
				return fmt.Sprintf("%s in  %s out  %d errors", fmtBytes(s.BytesIn), fmtBytes(s.BytesOut), s.Errors)
			})),
		)
		d.jobs[id] = jb
	}
	jb.st.Store(st)
	jb.bar.SetCurrent(jobDone(st, total))
	if done {
		completeBar(jb.bar, total)
		delete(d.jobs, id)
	}
}

// jobDone is how many of a job's total objects are done: its objects in,
// which count the failed ones too (objs_in = objs_out + errors), at most
// total when there is one.
func jobDone(st *api.JobStatus, total int64) int64 {
	if total > 0 && st.ObjsIn > total {
		return total
	}
	return st.ObjsIn
}

// completeBar completes b: a bar made with a total completes when its
// current reaches it; one without needs SetTotal.
func completeBar(b *mpb.Bar, total int64) {
	if total > 0 {
		b.SetCurrent(total)
	} else {
		b.SetTotal(-1, true)
	}
}

func (d *barsDisplay) stop(interrupted bool) {
	close(d.quit)
	d.wg.Wait()
	if interrupted {
		d.main.Abort(false)
	} else {
		completeBar(d.main, d.total)
	}
	d.mu.Lock()
	for id, jb := range d.jobs {
		jb.bar.Abort(false)
		delete(d.jobs, id)
	}
	d.mu.Unlock()
	d.p.Wait()
}

// progressGauge returns the total of the main progress bar and a function
// giving its current value: milliseconds of the run when a duration ends
// it, else PUTs, reads or jobs.
func (r *runner) progressGauge() (int64, func() int64) {
	cfg := &r.cfg
	switch {
	case cfg.Duration > 0 && !cfg.Offline():
		total := (cfg.Warmup + cfg.Duration).Milliseconds()
		return total, func() int64 { return time.Since(r.t0).Milliseconds() }
	case cfg.MaxPuts > 0:
		return cfg.MaxPuts, func() int64 { return int64(r.putSeq.Load()) }
	case cfg.Epochs > 0 && !cfg.Offline():
		return int64(cfg.Epochs) * int64(len(r.pool.listed)), func() int64 { return r.pool.cursor.Load() }
	case cfg.Offline():
		n := int64(max(cfg.Epochs, 1))
		return n, func() int64 { return int64(r.jobsDone.Load()) }
	}
	return 0, func() int64 { return 0 }
}
