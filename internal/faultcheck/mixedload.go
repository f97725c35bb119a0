package faultcheck

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// MixedLoad is a load of PUTs (new objects) and inline ETL GETs (of
// existing ones) on a few goroutines, each request bounded, that records
// what a fault test asserts afterwards: acknowledged PUTs, errors by
// class, successes and the slowest request.
type MixedLoad struct {
	// Bound is each request's time limit: a request that takes longer hangs.
	Bound time.Duration

	bck string
	obj func(int) []byte

	mu      sync.Mutex
	okPut   map[string]int // acknowledged PUTs: name -> content index
	errs    map[string]int // error class (HTTP status, "connection", "wrong-bytes") -> count
	okOps   atomic.Int64
	slowest atomic.Int64
	stop    chan struct{}
	wg      sync.WaitGroup
}

// StartMixedLoad starts workers goroutines on bucket bck: even requests
// PUT new/g<worker>-<k> with content obj(i), odd ones GET name(i) through
// etl and compare it with obj(i) (echo), for i in [0, n).
func StartMixedLoad(ctx context.Context, cl *api.Client, bck, etl string, workers, n int, bound time.Duration,
	name func(int) string, obj func(int) []byte) *MixedLoad {
	l := &MixedLoad{Bound: bound, bck: bck, obj: obj, okPut: map[string]int{}, errs: map[string]int{}, stop: make(chan struct{})}
	for g := range workers {
		l.wg.Go(func() {
			for k := 0; ; k++ {
				select {
				case <-l.stop:
					return
				default:
				}
				i := (g*7919 + k*31) % n
				rctx, cancel := context.WithTimeout(ctx, bound)
				start := time.Now()
				var err error
				if k%2 == 0 {
					o, b := fmt.Sprintf("new/g%d-%05d", g, k), obj(i)
					if err = cl.PutObject(rctx, bck, o, bytes.NewReader(b), int64(len(b))); err == nil {
						l.mu.Lock()
						l.okPut[o] = i
						l.mu.Unlock()
					}
				} else {
					var got []byte
					if got, err = cl.GetObjectBytes(rctx, bck, name(i), api.GetOpts{ETLName: etl}); err == nil && !bytes.Equal(got, obj(i)) {
						err = errWrongBytes
					}
				}
				cancel()
				el := int64(time.Since(start))
				for s := l.slowest.Load(); el > s && !l.slowest.CompareAndSwap(s, el); s = l.slowest.Load() {
				}
				if err != nil {
					l.mu.Lock()
					l.errs[classOf(err)]++
					l.mu.Unlock()
					continue
				}
				l.okOps.Add(1)
			}
		})
	}
	return l
}

var errWrongBytes = fmt.Errorf("wrong bytes")

func classOf(err error) string {
	if err == errWrongBytes {
		return "wrong-bytes"
	}
	if st := api.StatusOf(err); st != 0 {
		return fmt.Sprint(st)
	}
	return "connection"
}

// OK is the number of successful requests so far.
func (l *MixedLoad) OK() int64 { return l.okOps.Load() }

// Acknowledged returns the acknowledged PUTs (name -> content index).
func (l *MixedLoad) Acknowledged() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.okPut)
}

// VerifyAcknowledged GETs every acknowledged PUT through cl (any proxy of
// the cluster) with 16 readers and compares it with the content that was
// PUT; the first object missing or different is the error. It returns how
// many it verified.
func (l *MixedLoad) VerifyAcknowledged(ctx context.Context, cl *api.Client) (int, error) {
	acked := l.Acknowledged()
	names := slices.Sorted(maps.Keys(acked))
	return len(names), ForEach(len(names), 16, func(k int) error {
		o := names[k]
		got, err := cl.GetObjectBytes(ctx, l.bck, o, api.GetOpts{})
		if err != nil {
			return fmt.Errorf("acknowledged PUT %s/%s: %w", l.bck, o, err)
		}
		if want := l.obj(acked[o]); !bytes.Equal(got, want) {
			return fmt.Errorf("acknowledged PUT %s/%s: %d bytes, want the %d that were PUT", l.bck, o, len(got), len(want))
		}
		return nil
	})
}

// StopAndCheck stops the load and checks the outcome of a fault that hit
// it after okBefore successes: every goroutine ends within its bound (no
// request hangs), no GET returned wrong bytes, some requests failed and
// some succeeded after the fault, and the slowest stayed within the bound.
func (l *MixedLoad) StopAndCheck(t testing.TB, okBefore int64) {
	t.Helper()
	if errs := l.Stop(t, okBefore); len(errs) == 0 {
		t.Fatal("no request failed although the fault hit the load")
	}
}

// Stop stops the load and checks what holds whether requests failed or
// not: every goroutine ends within its bound (no request hangs), no GET
// returned wrong bytes, some requests succeeded after okBefore successes,
// and the slowest stayed within the bound. It returns the errors by class.
func (l *MixedLoad) Stop(t testing.TB, okBefore int64) map[string]int {
	t.Helper()
	close(l.stop)
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(l.Bound + 5*time.Second):
		t.Fatal("load goroutines still blocked after their requests' bound: a request hangs")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	slowest := time.Duration(l.slowest.Load())
	t.Logf("ops ok %d (%d before the fault), errors by class %v, slowest request %v, %d PUTs acknowledged",
		l.okOps.Load(), okBefore, l.errs, slowest.Round(time.Millisecond), len(l.okPut))
	if l.errs["wrong-bytes"] != 0 {
		t.Fatalf("%d inline GETs returned wrong bytes", l.errs["wrong-bytes"])
	}
	if l.okOps.Load() <= okBefore {
		t.Fatal("no request succeeded after the fault: the rest of the cluster stopped serving")
	}
	if slowest >= l.Bound {
		t.Fatalf("slowest request took %v: want every request bounded by %v", slowest, l.Bound)
	}
	return maps.Clone(l.errs)
}
