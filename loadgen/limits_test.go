package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

func TestMaxPutsAndCleanup(t *testing.T) {
	f := newFakeCluster(t)
	f.addObjects("src", 5, 10)
	cfg := baseConfig(f)
	cfg.Op, cfg.MaxPuts, cfg.Workers, cfg.Cleanup = OpPut, 37, 4, true
	res, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Summary[OpPut]; s.Ops != 37 {
		t.Errorf("%d PUTs, want 37", s.Ops)
	}
	if n := f.count("src"); n != 5 {
		t.Errorf("after cleanup the bucket has %d objects, want the 5 it had", n)
	}
	// A bucket the run created is destroyed by --cleanup.
	cfg.Bucket, cfg.TotalPutSize, cfg.MaxPuts, cfg.MinSize, cfg.MaxSize = "fresh", 10000, 0, 1000, 1000
	res, err = Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Summary[OpPut]; s.Ops != 10 || s.BytesIn != 10000 {
		t.Errorf("totalputsize: %d PUTs, %d bytes; want 10, 10000", s.Ops, s.BytesIn)
	}
	f.mu.Lock()
	_, left := f.buckets["fresh"]
	f.mu.Unlock()
	if left {
		t.Error("--cleanup left the bucket the run created")
	}
}

func TestEpochs(t *testing.T) {
	f := newFakeCluster(t)
	f.addObjects("src", 25, 100)
	cfg := baseConfig(f)
	cfg.Epochs, cfg.Workers = 3, 4
	res, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Summary[OpGet]; s.Ops != 75 || s.BytesOut != 7500 {
		t.Errorf("3 epochs over 25 objects: %d GETs, %d bytes", s.Ops, s.BytesOut)
	}
}

func TestPopulate(t *testing.T) {
	f := newFakeCluster(t)
	cfg := baseConfig(f)
	cfg.Objects, cfg.Epochs, cfg.MinSize, cfg.MaxSize = 40, 1, 100, 200
	res, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.count("src") != 40 || res.Summary[OpGet].Ops != 40 {
		t.Errorf("populated %d, read %d", f.count("src"), res.Summary[OpGet].Ops)
	}
	b, _ := f.object("src", PopulateName(7))
	if len(b) < 100 || len(b) > 200 {
		t.Errorf("object size %d outside 100..200", len(b))
	}
	// With a content function, the objects are what it writes.
	c := api.NewClient(f.URL())
	err = Populate(context.Background(), c, "texts", 12, Fixed(0), func(i int, w io.Writer) error {
		_, err := fmt.Fprintf(w, "object number %d\n", i)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := f.object("texts", PopulateName(11)); string(b) != "object number 11\n" {
		t.Errorf("content: %q", b)
	}
	if PopulateTemplate(12) != "obj-{00000000..00000011}" {
		t.Error(PopulateTemplate(12))
	}
	if n, ok := templateCount(PopulateTemplate(12)); !ok || n != 12 {
		t.Errorf("templateCount %d", n)
	}
}

// Cancelling the context (what Ctrl-C does in the command) stops the
// run: the summary is printed, the result says so, the ETL the run
// started is deleted.
func TestInterrupt(t *testing.T) {
	f := newFakeCluster(t)
	f.addObjects("src", 10, 100)
	cfg := baseConfig(f)
	cfg.Op, cfg.ETLName, cfg.Duration, cfg.Rate, cfg.Workers = OpETLGet, "md5", time.Hour, 100, 4
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(700*time.Millisecond, cancel)
	var out bytes.Buffer
	start := time.Now()
	probe := startSchedProbe(t)
	res, err := Run(ctx, cfg, &out)
	hiccup := probe.Stop()
	if err != nil {
		t.Fatal(err)
	}
	// The run is an hour long: stopping at all is what shows the interrupt.
	if el := time.Since(start); el > 30*time.Second {
		t.Errorf("took %s to stop", el)
	}
	// Too few ops are the machine's when it kept this process from the CPU.
	if s := res.Summary[OpETLGet]; s.Ops > 100 || (s.Ops < 20 && hiccup < machineHiccup) {
		t.Errorf("%d ops in 0.7 s at 100/s (CPU waits up to %v)", s.Ops, hiccup)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "interrupted") || !strings.Contains(out.String(), "summary") {
		t.Errorf("notes %v, output:\n%s", res.Notes, out.String())
	}
	if len(f.etls) != 0 {
		t.Errorf("ETL left running: %v", f.etls)
	}
}

func TestOfflineJobFollowed(t *testing.T) {
	f := newFakeCluster(t)
	f.addObjects("src", 23, 1000)
	f.jobObjsPerPoll = 4
	cfg := baseConfig(f)
	cfg.Op, cfg.ETLName, cfg.Epochs, cfg.JobPoll, cfg.Verify = OpETLBucket, "md5", 2, 20*time.Millisecond, true
	cfg.StatsInterval = 50 * time.Millisecond
	res, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary[OpETLBucket]
	if s.Ops != 46 || s.BytesIn != 46000 || s.BytesOut != 46*32 || s.Errors != 0 {
		t.Errorf("2 jobs over 23 objects: %+v %v", s, res.Notes)
	}
	if len(res.Jobs) != 2 || !strings.Contains(string(res.Jobs[0]), `"state":"finished"`) {
		t.Errorf("jobs: %s", res.Jobs)
	}
	if s.LatencyUS.Max <= 0 || s.OpsPerSec <= 0 || s.MiBPerSec <= 0 {
		t.Errorf("job throughput: %+v", s)
	}
	if f.count("src-out") != 23 {
		t.Errorf("destination has %d objects", f.count("src-out"))
	}
	// The interval counts add up to the jobs' objects.
	var ops int64
	for _, iv := range res.Intervals {
		ops += iv.Ops[OpETLBucket].Ops
	}
	if ops != 46 || len(res.Intervals) < 2 {
		t.Errorf("intervals: %d ops in %d intervals", ops, len(res.Intervals))
	}
	// etl-multi over a template.
	cfg.Op, cfg.Epochs, cfg.Template, cfg.Verify = OpETLMulti, 1, PopulateTemplate(23), false
	res, err = Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Summary[OpETLMulti]; s.Ops != 23 {
		t.Errorf("etl-multi: %+v", s)
	}
}

// A dead cluster: requests fail fast and are classified as connection errors.
func TestConnectionErrors(t *testing.T) {
	f := newFakeCluster(t)
	f.addObjects("src", 5, 100)
	f.before = func(w http.ResponseWriter, r *http.Request) bool {
		hj, ok := w.(http.Hijacker)
		if !ok {
			return false
		}
		c, _, _ := hj.Hijack()
		c.Close()
		return true
	}
	cfg := baseConfig(f)
	cfg.Duration, cfg.Workers = 300*time.Millisecond, 2
	res, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary[OpGet]
	if s.Errors == 0 || s.ErrorsByClass[ClassConnection] != s.Errors {
		t.Errorf("%+v", s)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "error: get (connection):") {
		t.Errorf("first errors not kept: %v", res.Notes)
	}
}

// The notes keep the first distinct errors, and the first of every
// operation and class even when many others came before it.
func TestNoteErrKeepsEveryClass(t *testing.T) {
	r := &runner{}
	for i := range 3 * maxFirstErrors {
		r.noteErr(OpGet, ClassConnection, fmt.Errorf("reset %d", i))
	}
	r.noteErr(OpGet, ClassConnection, errors.New("reset 0"))
	r.noteErr(OpETLGet, ClassTransformer5xx, errors.New("transformer failed"))
	r.noteErr(OpETLGet, ClassTransformer5xx, errors.New("transformer failed again"))
	if len(r.firstErrs) != maxFirstErrors+1 {
		t.Fatalf("%d notes, want %d: %q", len(r.firstErrs), maxFirstErrors+1, r.firstErrs)
	}
	if last := r.firstErrs[maxFirstErrors]; last != "etl-get (transformer-5xx): transformer failed" {
		t.Errorf("last note %q, want the first transformer-5xx error", last)
	}
}
