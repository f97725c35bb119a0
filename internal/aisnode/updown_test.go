package aisnode_test

import (
	"context"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/aisnode"
	"github.com/etlbench/etlbench/internal/aisnode/aisnodetest"
)

// TestUpDown: a 2-target AIStore cluster comes up healthy with every
// target in its map and serves an object; a second up in its directory is
// refused; down stops exactly its processes, frees its ports and removes
// its directory; a binary that is not aisnode fails naming it and leaves
// nothing.
func TestUpDown(t *testing.T) {
	if testing.Short() {
		t.Skip("starts aisnode processes")
	}
	bin := aisnodetest.Binary(t)
	dir, err := os.MkdirTemp("", "etlbench-aisnode-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = aisnode.Down(dir); _ = os.RemoveAll(dir) })
	ctx := context.Background()
	st, err := aisnode.Up(ctx, aisnode.Options{Binary: bin, Dir: dir, Targets: 2, DieWithParent: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(st.PIDs()); got != 3 {
		t.Fatalf("%d live aisnode processes, want 3", got)
	}
	c := api.NewClient(st.ProxyURL)
	sm, err := c.Smap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sm.AliveTargets() != 2 || sm.Proxy.URL != st.ProxyURL {
		t.Fatalf("cluster map: %+v", sm)
	}
	if err := c.CreateBucket(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := c.PutObject(ctx, "b", "d/o", strings.NewReader("hello"), 5); err != nil {
		t.Fatal(err)
	}
	if b, err := c.GetObjectBytes(ctx, "b", "d/o", api.GetOpts{}); err != nil || string(b) != "hello" {
		t.Fatalf("GET: %q, %v", b, err)
	}
	if _, err := aisnode.Up(ctx, aisnode.Options{Binary: bin, Dir: dir}); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second up in the same directory: %v, want 'already running'", err)
	}
	pids := st.PIDs()
	if err := aisnode.Down(dir); err != nil {
		t.Fatal(err)
	}
	for _, p := range pids {
		if _, err := os.Stat("/proc/" + strconv.Itoa(p)); err == nil {
			if b, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/cmdline"); strings.Contains(string(b), dir) {
				t.Errorf("aisnode pid %d still running after down", p)
			}
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s left after down", dir)
	}
	for _, n := range st.Nodes {
		u, _ := url.Parse(n.URL)
		l, err := net.Listen("tcp", u.Host)
		if err != nil {
			t.Errorf("%s's port %s still taken after down: %v", n.ID, u.Host, err)
			continue
		}
		l.Close()
	}

	bad := t.TempDir() + "/x"
	_, err = aisnode.Up(ctx, aisnode.Options{Binary: "/bin/true", Dir: bad, Targets: 1, Timeout: 20 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "exited") {
		t.Fatalf("up with /bin/true: %v, want a node that exited", err)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("a failed up left %s", bad)
	}
}
