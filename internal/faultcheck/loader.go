package faultcheck

import (
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/loadgen"
	"github.com/etlbench/etlbench/reports/result"
)

// Loader is a run of the loader (etlbench load --op mixed) through a fault.
type Loader struct {
	duration, bound time.Duration
	done            chan loaderOut
}

type loaderOut struct {
	res *result.Result
	err error
	el  time.Duration
}

// StartLoader populates bucket "lg" with 60 small objects and starts the
// loader on it: 8 workers, mixed PUT (30%) and inline GET through etl, for
// duration, each request bounded by bound.
func StartLoader(ctx context.Context, t testing.TB, cl *api.Client, proxyURL, etl string, duration, bound time.Duration) *Loader {
	t.Helper()
	if err := loadgen.Populate(ctx, cl, "lg", 60, loadgen.SizeDist{Min: 512, Max: 4 << 10}, nil); err != nil {
		t.Fatal(err)
	}
	l := &Loader{duration: duration, bound: bound, done: make(chan loaderOut, 1)}
	go func() {
		start := time.Now()
		res, err := loadgen.Run(ctx, loadgen.Config{Proxy: proxyURL, Token: cl.Token, Bucket: "lg", Op: "mixed", PctPut: 30, ETLName: etl,
			Workers: 8, Duration: duration, Timeout: bound, DrainTimeout: bound, MinSize: 512, MaxSize: 4 << 10,
			StatsInterval: time.Second, Seed: 3, Display: "none"}, io.Discard)
		l.done <- loaderOut{res, err, time.Since(start)}
	}()
	return l
}

// Check waits for the loader and checks that it ended on time (it does not
// hang on the fault), that some operations succeeded and some failed, and
// that it recorded every failure under a known class, cluster-5xx or
// connection among them, and none as the transformer's (the transformer
// is healthy: a target fault is the cluster's).
func (l *Loader) Check(t testing.TB) {
	t.Helper()
	var out loaderOut
	select {
	case out = <-l.done:
	case <-time.After(l.duration + l.bound + 10*time.Second):
		t.Fatal("the loader did not end: it hangs on the fault")
	}
	if out.err != nil {
		t.Fatalf("loader: %v", out.err)
	}
	var ops, errs int64
	classes := map[string]int64{}
	for op, sum := range out.res.Summary {
		ops += sum.Ops
		errs += sum.Errors
		var byClass int64
		for class, k := range sum.ErrorsByClass {
			if !slices.Contains(loadgen.ErrorClasses, class) {
				t.Errorf("loader %s: unknown error class %q", op, class)
			}
			classes[class] += k
			byClass += k
		}
		if byClass != sum.Errors {
			t.Errorf("loader %s: %d errors, %d by class %v", op, sum.Errors, byClass, sum.ErrorsByClass)
		}
	}
	t.Logf("loader: %d ops ok, %d errors by class %v, ended after %v", ops, errs, classes, out.el.Round(time.Millisecond))
	for _, n := range out.res.Notes {
		t.Logf("loader note: %s", n)
	}
	if errs == 0 || ops == 0 {
		t.Fatalf("loader through the fault: %d ops ok, %d errors; want both", ops, errs)
	}
	if classes[loadgen.ClassCluster5xx]+classes[loadgen.ClassConnection] == 0 {
		t.Errorf("loader errors %v: want cluster-5xx (target down) or connection errors", classes)
	}
	if n := classes[loadgen.ClassTransformer4xx] + classes[loadgen.ClassTransformer5xx]; n != 0 {
		t.Errorf("loader errors %v: %d blamed on the transformer, want the target fault classed as the cluster's", classes, n)
	}
}
