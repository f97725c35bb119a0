package loadgen

import (
	"fmt"
	"maps"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/etlbench/etlbench/reports/result"
)

// Recorder keeps, per operation, the current stats interval (latency
// histograms, ops, bytes, errors by class) and the whole-run totals, which
// are the merge of every measured interval. Recording is safe for
// concurrent use; Rotate is called by one goroutine. Its memory does not
// grow with the run's length.
type Recorder struct {
	open  bool
	ops   []string
	byOp  map[string]*opRec
	total map[string]*opTotal
}

// counts are an operation's numbers over an interval or the whole run.
type counts struct {
	ops     int64
	errs    int64
	bin     int64
	bout    int64
	missed  int64
	classes map[string]int64 // errors by class
}

// add adds c's numbers to n's.
func (n *counts) add(c counts) {
	n.ops += c.ops
	n.errs += c.errs
	n.bin += c.bin
	n.bout += c.bout
	n.missed += c.missed
	for k, v := range c.classes {
		n.classes[k] += v
	}
}

// opRec is the current interval of one operation.
type opRec struct {
	mu   sync.Mutex
	hist *hdr.Histogram // corrected (open loop) or the only one (closed)
	svc  *hdr.Histogram // service time, open loop only
	counts
	// spares swapped in on Rotate, so recording never waits on encoding.
	spareH, spareS *hdr.Histogram
}

// opTotal is the measured whole run of one operation.
type opTotal struct {
	hist, svc *hdr.Histogram
	counts
}

// NewRecorder returns a recorder of ops; open selects the open-loop form
// (a service-time histogram next to the corrected one).
func NewRecorder(open bool, ops ...string) *Recorder {
	r := &Recorder{open: open, byOp: map[string]*opRec{}, total: map[string]*opTotal{}}
	for _, op := range ops {
		if _, dup := r.byOp[op]; dup {
			continue
		}
		r.ops = append(r.ops, op)
		o := &opRec{hist: result.NewHist(), spareH: result.NewHist(), counts: counts{classes: map[string]int64{}}}
		t := &opTotal{hist: result.NewHist(), counts: counts{classes: map[string]int64{}}}
		if open {
			o.svc, o.spareS, t.svc = result.NewHist(), result.NewHist(), result.NewHist()
		}
		r.byOp[op], r.total[op] = o, t
	}
	return r
}

// Ops returns the recorded operations in order.
func (r *Recorder) Ops() []string { return r.ops }

func (r *Recorder) get(op string) *opRec {
	o := r.byOp[op]
	if o == nil {
		panic(fmt.Sprintf("loadgen: recorder has no operation %q", op)) // programming error
	}
	return o
}

// Done records one successful operation: its latency (from the intended
// start in open loop), its service time (from the actual send; ignored in
// closed loop) and its bytes.
func (r *Recorder) Done(op string, latency, service time.Duration, bytesIn, bytesOut int64) {
	o := r.get(op)
	lv, sv := micros(latency), micros(service)
	o.mu.Lock()
	_ = o.hist.RecordValue(lv)
	if o.svc != nil {
		_ = o.svc.RecordValue(sv)
	}
	o.ops++
	o.bin += bytesIn
	o.bout += bytesOut
	o.mu.Unlock()
}

// Fail records one failed operation of error class class.
func (r *Recorder) Fail(op, class string, bytesIn, bytesOut int64) {
	o := r.get(op)
	o.mu.Lock()
	o.errs++
	o.classes[class]++
	o.bin += bytesIn
	o.bout += bytesOut
	o.mu.Unlock()
}

// Missed records an open-loop send of op that was not made because it
// was already later than the maximum lag.
func (r *Recorder) Missed(op string) {
	o := r.get(op)
	o.mu.Lock()
	o.missed++
	o.mu.Unlock()
}

// Add adds counts without latency (offline job progress).
func (r *Recorder) Add(op string, ops, bytesIn, bytesOut int64) {
	o := r.get(op)
	o.mu.Lock()
	o.ops += ops
	o.bin += bytesIn
	o.bout += bytesOut
	o.mu.Unlock()
}

// AddErrors adds n errors of class without latency (offline job progress).
func (r *Recorder) AddErrors(op, class string, n int64) {
	if n == 0 {
		return
	}
	o := r.get(op)
	o.mu.Lock()
	o.errs += n
	o.classes[class] += n
	o.mu.Unlock()
}

// Latency records a latency without counting an operation (the duration
// of a whole offline job, whose objects are counted by Add).
func (r *Recorder) Latency(op string, d time.Duration) {
	o := r.get(op)
	v := micros(d)
	o.mu.Lock()
	_ = o.hist.RecordValue(v)
	if o.svc != nil {
		_ = o.svc.RecordValue(v)
	}
	o.mu.Unlock()
}

// IntervalStats is one operation's numbers in one interval, decoded, for
// the live display.
type IntervalStats struct {
	Op       string
	Ops      int64
	Errors   int64
	BytesIn  int64
	BytesOut int64
	Missed   int64
	Latency  result.Percentiles
	Service  *result.Percentiles
	// Total* are the whole measured run so far.
	TotalOps, TotalErrors int64
}

// Rotated is the outcome of one Rotate.
type Rotated struct {
	Interval result.Interval
	Stats    []IntervalStats
	// Hists are the interval's histograms by operation (corrected, service);
	// valid until the next Rotate.
	Hists map[string][2]*hdr.Histogram
}

// Rotate ends the current interval [start, end): it returns it encoded,
// merges it into the totals unless it is warm-up, and starts the next.
func (r *Recorder) Rotate(start, end time.Time, warmup bool) (*Rotated, error) {
	out := &Rotated{
		Interval: result.Interval{Start: start, End: end, Warmup: warmup, Ops: map[string]result.IntervalOp{}},
		Hists:    map[string][2]*hdr.Histogram{},
	}
	for _, op := range r.ops {
		o := r.byOp[op]
		o.mu.Lock()
		h, s := o.hist, o.svc
		c := o.counts
		o.spareH.Reset()
		o.hist, o.spareH = o.spareH, h
		if s != nil {
			o.spareS.Reset()
			o.svc, o.spareS = o.spareS, s
		}
		o.counts = counts{classes: map[string]int64{}}
		o.mu.Unlock()

		enc, err := result.EncodeHist(h)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		io := result.IntervalOp{Ops: c.ops, Errors: c.errs, BytesIn: c.bin, BytesOut: c.bout, Missed: c.missed, Hist: enc}
		st := IntervalStats{Op: op, Ops: c.ops, Errors: c.errs, BytesIn: c.bin, BytesOut: c.bout, Missed: c.missed, Latency: result.HistPercentiles(h)}
		if s != nil {
			if io.ServiceHist, err = result.EncodeHist(s); err != nil {
				return nil, fmt.Errorf("%s service: %w", op, err)
			}
			p := result.HistPercentiles(s)
			st.Service = &p
		}
		out.Interval.Ops[op] = io
		out.Hists[op] = [2]*hdr.Histogram{h, s}
		t := r.total[op]
		if !warmup {
			t.hist.Merge(h)
			if s != nil {
				t.svc.Merge(s)
			}
			t.add(c)
		}
		st.TotalOps, st.TotalErrors = t.ops, t.errs
		out.Stats = append(out.Stats, st)
	}
	return out, nil
}

// Totals is the whole measured run of one operation.
type Totals struct {
	// Hist (corrected in open loop) and Service (open loop only) are the
	// merge of the measured intervals; they belong to the recorder.
	Hist, Service                  *hdr.Histogram
	Ops, Errors, BytesIn, BytesOut int64
	Missed                         int64
	ErrorsByClass                  map[string]int64
}

// Total returns the whole measured run of op (nil for an unknown op).
func (r *Recorder) Total(op string) *Totals {
	t := r.total[op]
	if t == nil {
		return nil
	}
	return &Totals{Hist: t.hist, Service: t.svc, Ops: t.ops, Errors: t.errs, BytesIn: t.bin, BytesOut: t.bout,
		Missed: t.missed, ErrorsByClass: maps.Clone(t.classes)}
}
