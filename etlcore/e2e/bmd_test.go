package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/cluster"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// TestTargetCatchesUpOnBuckets: a target that is only unresponsive
// (SIGSTOP, so it is marked down without restarting) misses a bucket
// create and a bucket destroy; when it answers again the proxy brings its
// buckets up to date before marking it alive, so the new bucket takes its
// objects at once and the destroyed one is gone from it.
func TestTargetCatchesUpOnBuckets(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	cl := c.Client
	if err := cl.CreateBucket(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	t2 := c.Target(2)
	if err := syscall.Kill(t2.PID, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := true
	t.Cleanup(func() {
		if stopped {
			_ = syscall.Kill(t2.PID, syscall.SIGCONT)
		}
	})
	waitAlive(t, cl, "t2", false, 15*time.Second)
	if err := cl.CreateBucket(ctx, "late"); err != nil {
		t.Fatalf("create with t2 down: %v", err)
	}
	if err := cl.DestroyBucket(ctx, "gone"); err != nil {
		t.Fatalf("destroy with t2 down: %v", err)
	}
	if err := syscall.Kill(t2.PID, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	stopped = false
	waitAlive(t, cl, "t2", true, 15*time.Second)
	// Right away (no retry): every object goes in, t2's first.
	sm, err := cl.Smap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	onT2 := 0
	for i := range 60 {
		name := fmt.Sprintf("o%02d", i)
		if owner, err := cluster.Owner(sm, "late", name); err == nil && owner.ID == "t2" {
			names = append([]string{name}, names...)
			onT2++
		} else {
			names = append(names, name)
		}
	}
	for _, name := range names {
		b := []byte(name)
		if err := cl.PutObject(ctx, "late", name, bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatalf("PUT late/%s right after t2 is back: %v", name, err)
		}
	}
	if onT2 == 0 {
		t.Fatal("no object of the 60 maps to t2: the test shows nothing")
	}
	resp, err := http.Head(t2.URL + api.PathBuckets + "gone")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("HEAD of the bucket destroyed while t2 was down, on t2: %s, want 404", resp.Status)
	}
	t.Logf("t2 back with the bucket set: %d of 60 objects written on it", onT2)
}

// waitAlive waits until the proxy's map shows target id alive (or down).
func waitAlive(t *testing.T, cl *api.Client, id string, alive bool, limit time.Duration) {
	t.Helper()
	want := 0
	if alive {
		want = 1
	}
	deadline := time.Now().Add(limit)
	for {
		sm, err := cl.Smap(context.Background())
		if err == nil && targetAlive(sm, id) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not alive=%v in the cluster map after %v (%v)", id, alive, limit, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
