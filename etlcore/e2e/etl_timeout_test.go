package e2e

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// timeoutBound is how long a request with obj_timeout 1s may take to fail.
const timeoutBound = 2500 * time.Millisecond

// checkTimeoutErr asserts that err is a 504 that says timeout, returned
// within timeoutBound.
func checkTimeoutErr(t *testing.T, what string, err error, took time.Duration) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: succeeded after %v, want a timeout", what, took)
	}
	if st := api.StatusOf(err); st != http.StatusGatewayTimeout {
		t.Fatalf("%s: status %d (%v), want 504", what, st, err)
	}
	// The message itself (not just the status text) says it timed out: the
	// target's "obj_timeout", or the transformer's own deadline (hpull inline
	// goes straight to the transformer).
	if msg := strings.ReplaceAll(err.Error(), "Gateway Timeout", ""); !strings.Contains(msg, "timeout") && !strings.Contains(msg, "deadline exceeded") {
		t.Fatalf("%s: message %q does not say timeout", what, err)
	}
	t.Logf("%s: %v after %v", what, err, took.Round(time.Millisecond))
	if took > timeoutBound {
		t.Fatalf("%s: failed after %v, want within %v", what, took, timeoutBound)
	}
}

// TestETLObjTimeout: obj_timeout 1s with a transformer sleeping 3s fails
// inline GETs and transform-copies with a timeout in every mode, fast, and
// the cluster keeps serving.
func TestETLObjTimeout(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	cl := c.Client
	objs := putObjects(t, cl, "src", 6)
	if err := cl.CreateBucket(ctx, "dst"); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.ETLInit(ctx, specYAML("echo-other", "hpush://", "etlbench/transformer-echo", "")); err != nil {
		t.Fatal(err)
	}
	for _, comm := range []string{"hpush", "hpull", "ws"} {
		name := "slow-" + comm
		if _, err := cl.ETLInit(ctx, specYAML(name, comm+"://", "etlbench/transformer-fault", "obj_timeout: 1s\n")); err != nil {
			t.Fatalf("init %s: %v", name, err)
		}
		i := 0
		for obj, b := range objs {
			i++
			if i > 1 {
				break
			}
			start := time.Now()
			_, err := cl.GetObjectBytes(ctx, "src", obj, api.GetOpts{ETLName: name, ETLArgs: "sleep=3s"})
			checkTimeoutErr(t, comm+" inline GET "+obj, err, time.Since(start))

			start = time.Now()
			err = cl.TransformCopy(ctx, "src", obj, "dst", "copy-"+comm+"/"+obj, name, "sleep=3s")
			checkTimeoutErr(t, comm+" transform-copy "+obj, err, time.Since(start))
			if _, err := cl.HeadObject(ctx, "dst", "copy-"+comm+"/"+obj); !api.IsNotFound(err) {
				t.Fatalf("%s: a timed-out transform-copy left %s: %v", comm, "dst/copy-"+comm+"/"+obj, err)
			}

			// The cluster keeps serving: plain GET, another ETL, and the
			// same ETL without the sleep.
			got, err := cl.GetObjectBytes(ctx, "src", obj, api.GetOpts{})
			if err != nil || !bytes.Equal(got, b) {
				t.Fatalf("%s: plain GET after the timeout: %v", comm, err)
			}
			got, err = cl.GetObjectBytes(ctx, "src", obj, api.GetOpts{ETLName: "echo-other"})
			if err != nil || !bytes.Equal(got, b) {
				t.Fatalf("%s: inline GET with another ETL after the timeout: %v", comm, err)
			}
			got, err = cl.GetObjectBytes(ctx, "src", obj, api.GetOpts{ETLName: name})
			if err != nil || !bytes.Equal(got, b) {
				t.Fatalf("%s: inline GET with %s without sleep after the timeout: %v", comm, name, err)
			}
		}
		// A multi-object job with coer: each object fails with a timeout,
		// recorded with its status; nothing is written.
		id, err := cl.StartETLListRange(ctx, "src", api.TCOMsg{
			TCBMsg: api.TCBMsg{ETLName: name, ETLArgs: "sleep=3s", ContOnErr: true, NumWorkers: 4},
			ToBck:  "dst-" + comm, ObjNames: []string{"obj-0001.bin", "obj-0002.bin"}})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		st := waitJob(t, cl, id)
		if st.ObjsIn != 2 || st.Errors != 2 || st.ObjsOut != 0 || len(st.ObjErrs) != 2 {
			t.Fatalf("%s: job of 2 timed-out objects: %+v, %d recorded errors", comm, st.Counters, len(st.ObjErrs))
		}
		for _, oe := range st.ObjErrs {
			if oe.Status != http.StatusGatewayTimeout {
				t.Fatalf("%s: job error %+v, want status 504", comm, oe)
			}
		}
		if took := time.Since(start); took > 2*timeoutBound {
			t.Fatalf("%s: job of 2 timed-out objects took %v", comm, took)
		}
		if ents, err := cl.ListAll(ctx, "dst-"+comm, ""); err == nil && len(ents) != 0 {
			t.Fatalf("%s: the timed-out job wrote %d objects", comm, len(ents))
		}
		d, err := cl.ETLShow(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if d.Info.Stage != api.StageRunning || d.Info.Errors < 3 {
			t.Fatalf("%s is %s with %d errors after timeouts, want Running and >= 3 (copy and job)", name, d.Info.Stage, d.Info.Errors)
		}
		if err := cl.ETLDelete(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
}
