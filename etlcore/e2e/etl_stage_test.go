package e2e

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// TestETLConcurrentStageChanges fires concurrent starts, and a start beside a stop,
// start/stop requests at one ETL on real nodes. The proxy checks and
// changes an ETL's stage under one lock, so of the starts exactly one
// starts it and each other is told the one stage it found; whatever the
// order, the proxy and every target end in the same stage.
func TestETLConcurrentStageChanges(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	cl := c.Client
	const name = "stage-etl"
	if _, err := cl.ETLInit(ctx, specYAML(name, "hpush://", "etlbench/transformer-echo", "")); err != nil {
		t.Fatal(err)
	}
	if err := cl.ETLStop(ctx, name); err != nil {
		t.Fatal(err)
	}
	const rounds, parallelStarts = 5, 8
	for round := 0; round < rounds; round++ {
		// Starts of an Aborted ETL at once: one starts it, the others are
		// refused.
		starts := make([]func() error, parallelStarts)
		for i := range starts {
			starts[i] = func() error { return cl.ETLStart(ctx, name) }
		}
		errs := concurrently(starts...)
		ok, refused := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case api.StatusOf(err) == http.StatusBadRequest && refusedStage(err) != "":
				refused++
			default:
				t.Fatalf("round %d: start: %v", round, err)
			}
		}
		if ok != 1 || refused != parallelStarts-1 {
			t.Fatalf("round %d: %d starts at once: %d started, %d refused (%v); want 1 and %d", round, parallelStarts, ok, refused, errs, parallelStarts-1)
		}
		if got := consistentStage(t, cl, name); got != api.StageRunning {
			t.Fatalf("round %d: after the starts the ETL is %s, want Running", round, got)
		}
		// A start and a stop of a Running ETL: in either order the cluster
		// agrees on the result.
		errs = concurrently(func() error { return cl.ETLStart(ctx, name) }, func() error { return cl.ETLStop(ctx, name) })
		if errs[1] != nil {
			t.Fatalf("round %d: stop: %v", round, errs[1])
		}
		if err := errs[0]; err != nil && !(api.StatusOf(err) == http.StatusBadRequest && refusedStage(err) != "") &&
			!strings.Contains(err.Error(), "while starting") {
			t.Fatalf("round %d: start beside a stop: %v", round, err)
		}
		consistentStage(t, cl, name)
		if err := cl.ETLStop(ctx, name); err != nil {
			t.Fatal(err)
		}
		if got := consistentStage(t, cl, name); got != api.StageAborted {
			t.Fatalf("round %d: after stop the ETL is %s", round, got)
		}
	}
	if err := cl.ETLDelete(ctx, name); err != nil {
		t.Fatal(err)
	}
}

// concurrently runs fs at once and returns their errors in order.
func concurrently(fs ...func() error) []error {
	errs := make([]error, len(fs))
	var wg sync.WaitGroup
	for i, f := range fs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = f() }()
	}
	wg.Wait()
	return errs
}

// refusedStage is the one stage a refused start names ("" if none).
func refusedStage(err error) string {
	var named []string
	for _, st := range []string{api.StageInitializing, api.StageRunning} {
		if strings.Contains(err.Error(), "is "+st) {
			named = append(named, st)
		}
	}
	if len(named) != 1 {
		return ""
	}
	return named[0]
}

// consistentStage returns the proxy's stage of ETL name after checking that
// every target reports the same.
func consistentStage(t *testing.T, cl *api.Client, name string) string {
	t.Helper()
	d, err := cl.ETLShow(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Targets) != 3 {
		t.Fatalf("etl %s: %d targets report it, want 3", name, len(d.Targets))
	}
	for id, ti := range d.Targets {
		if ti.Stage != d.Info.Stage {
			t.Fatalf("etl %s: proxy says %s, target %s says %s", name, d.Info.Stage, id, ti.Stage)
		}
	}
	return d.Info.Stage
}
