// Package aisnodetest starts a local AIStore cluster for a test.
package aisnodetest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/aisnode"
)

// Binary returns the aisnode binary tests use ($ETLBENCH_AISNODE, else
// ../shared/aistore/bin/aisnode next to the repository) or skips the
// test, saying why, when there is none.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(aisnode.EnvBinary); p != "" {
		return p
	}
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "shared", "aistore", "bin", "aisnode"))
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no aisnode binary: %s is absent and $%s is not set (docs/aisnode.md says how to build one)", p, aisnode.EnvBinary)
	}
	return p
}

// Start brings up 1 proxy and targets targets in a fresh temporary
// directory. When the test ends, failed or not, every process is stopped
// and the directory removed; the processes also die with the test binary
// (parent-death signal) when it is killed.
func Start(t testing.TB, targets int) *aisnode.State {
	t.Helper()
	bin := Binary(t)
	dir, err := os.MkdirTemp("", "etlbench-aisnode-")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	st, err := aisnode.Up(ctx, aisnode.Options{Binary: bin, Dir: dir, Targets: targets, DieWithParent: true})
	if err != nil {
		_ = os.RemoveAll(dir)
		t.Fatalf("aisnode up: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, n := range st.Nodes {
				if b, err := os.ReadFile(n.Log); err == nil && len(b) > 0 {
					if len(b) > 1500 {
						b = b[len(b)-1500:]
					}
					t.Logf("aisnode %s output (tail):\n%s", n.ID, b)
				}
			}
		}
		if err := aisnode.Down(dir); err != nil {
			t.Errorf("aisnode down: %v", err)
		}
		if left := st.PIDs(); len(left) > 0 {
			t.Errorf("aisnode processes left after down: %v", left)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("aisnode directory %s left after down", dir)
		}
	})
	return st
}

// StartClient starts a cluster of targets targets as Start does (skipped
// with -short) and returns a client of its proxy and a context that ends
// after two minutes or with the test.
func StartClient(t *testing.T, targets int) (*aisnode.State, *api.Client, context.Context) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts aisnode processes")
	}
	st := Start(t, targets)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return st, api.NewClient(st.ProxyURL), ctx
}
