package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/cluster"
	"github.com/etlbench/etlbench/internal/testcluster"
	"github.com/etlbench/etlbench/loadgen"
)

// TestErrorClassesOnTheWire: real nodes put the class of every error in
// its body, and the loader classes errors by it. A 503 is the
// transformer's when the transformer failed the object and the cluster's
// when a node cannot serve; a 404 for an ETL that does not exist is the
// cluster's although its message names the ETL; an object past its
// obj_timeout is a timeout. Through the real client, as a load run sees
// them.
func TestErrorClassesOnTheWire(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 2})
	ctx := context.Background()
	cl := c.Client
	objs := putObjects(t, cl, "src", 8)
	var obj string
	for name := range objs {
		obj = name
	}
	for _, name := range []string{"fault-hpush", "fault-ws"} {
		comm := name[len("fault-"):] + "://"
		if _, err := cl.ETLInit(ctx, specYAML(name, comm, "etlbench/transformer-fault", "obj_timeout: 1s\n")); err != nil {
			t.Fatalf("init %s: %v", name, err)
		}
	}
	cases := []struct {
		what       string
		op         string
		get        func() error
		status     int
		wire, load string
	}{
		{"transformer fails with 503", loadgen.OpETLGet, func() error {
			_, err := cl.GetObjectBytes(ctx, "src", obj, api.GetOpts{ETLName: "fault-hpush", ETLArgs: "fail=503"})
			return err
		}, 503, api.ErrClassETL, loadgen.ClassTransformer5xx},
		{"transformer fails with 404 (ws)", loadgen.OpETLGet, func() error {
			_, err := cl.GetObjectBytes(ctx, "src", obj, api.GetOpts{ETLName: "fault-ws", ETLArgs: "fail=404"})
			return err
		}, 404, api.ErrClassETL, loadgen.ClassTransformer4xx},
		{"transform-copy fails with 500", loadgen.OpETLCopy, func() error {
			return cl.TransformCopy(ctx, "src", obj, "src", "copy-"+obj, "fault-hpush", "fail=500")
		}, 500, api.ErrClassETL, loadgen.ClassTransformer5xx},
		{"object past obj_timeout", loadgen.OpETLGet, func() error {
			_, err := cl.GetObjectBytes(ctx, "src", obj, api.GetOpts{ETLName: "fault-hpush", ETLArgs: "sleep=3s"})
			return err
		}, 504, api.ErrClassTimeout, loadgen.ClassTimeout},
		{"no such ETL", loadgen.OpETLGet, func() error {
			_, err := cl.GetObjectBytes(ctx, "src", obj, api.GetOpts{ETLName: "no-such-etl"})
			return err
		}, 404, api.ErrClassNotFound, loadgen.ClassCluster4xx},
		{"no such object", loadgen.OpETLGet, func() error {
			_, err := cl.GetObjectBytes(ctx, "src", "no-such-object", api.GetOpts{ETLName: "fault-hpush"})
			return err
		}, 404, api.ErrClassNotFound, loadgen.ClassCluster4xx},
		{"no such bucket", loadgen.OpGet, func() error {
			_, err := cl.GetObjectBytes(ctx, "no-such-bucket", obj, api.GetOpts{})
			return err
		}, 404, api.ErrClassNotFound, loadgen.ClassCluster4xx},
		{"bad object name", loadgen.OpPut, func() error {
			return cl.PutObject(ctx, "src", "a/../b", strings.NewReader("x"), 1)
		}, 400, api.ErrClassClient, loadgen.ClassCluster4xx},
	}
	for _, tc := range cases {
		err := tc.get()
		var he *api.HTTPError
		if !errors.As(err, &he) {
			t.Fatalf("%s: %v, want an error answer", tc.what, err)
		}
		if he.Status != tc.status || he.Class != tc.wire {
			t.Errorf("%s: %d class %q, want %d class %q (%v)", tc.what, he.Status, he.Class, tc.status, tc.wire, err)
		}
		if got := loadgen.Classify(tc.op, err); got != tc.load {
			t.Errorf("%s: the loader classes it %s, want %s (%v)", tc.what, got, tc.load, err)
		}
	}
	// A target that cannot serve: once the proxy has marked it down, its
	// objects answer 503 unavailable, the cluster's (before that, the
	// redirect to it fails to connect).
	sm, err := cl.Smap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var victim string
	for i := 0; victim == ""; i++ {
		name := fmt.Sprintf("on-t1-%d", i)
		if o, err := cluster.Owner(sm, "src", name); err != nil {
			t.Fatal(err)
		} else if o.ID == "t1" {
			victim = name
		}
	}
	if err := cl.PutObject(ctx, "src", victim, strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	c.KillTarget(1)
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := cl.GetObjectBytes(ctx, "src", victim, api.GetOpts{})
		var he *api.HTTPError
		if errors.As(err, &he) && he.Status == http.StatusServiceUnavailable {
			if he.Class != api.ErrClassUnavailable {
				t.Errorf("object of a dead target: class %q, want %q (%v)", he.Class, api.ErrClassUnavailable, he)
			}
			if got := loadgen.Classify(loadgen.OpGet, err); got != loadgen.ClassCluster5xx {
				t.Errorf("object of a dead target: the loader classes it %s, want %s (%v)", got, loadgen.ClassCluster5xx, err)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s on killed t1: %v, want a 503 within 30s", victim, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
