package runner

import (
	"context"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/embedded"
	"github.com/etlbench/etlbench/internal/aisnode"
	"github.com/etlbench/etlbench/internal/aisnode/aisnodetest"
	"github.com/etlbench/etlbench/internal/pagecache"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// deletedEntries counts what destroyed buckets left under a cluster's
// directory: entries of etlcore's trash directories and of AIStore's
// .$deleted directories.
func deletedEntries(t *testing.T, dir string) int {
	n := 0
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		parent := filepath.Base(filepath.Dir(p))
		if parent == ".$deleted" || (parent == "trash" && filepath.Base(filepath.Dir(filepath.Dir(p))) == ".work") {
			n++
			if d.IsDir() {
				return filepath.SkipDir
			}
		}
		return nil
	})
	return n
}

// TestRunCleansStorageBetweenCells: when the local clusters' disk has
// lost a fifth of its free space, the runner runs AIStore's storage
// cleanup job on both clusters (etlcore and a real aisnode cluster)
// before the next cell run, and it removes what the destroyed PUT buckets
// left. The free space the runner reads is the test's: 100 GiB less
// 15 GiB for each entry the clusters' trash holds, so it falls exactly
// when destroyed buckets wait on disk. The runner also fills the page
// cache before each PUT cell (32 MiB of the free memory each time here)
// and records it in run.json.
func TestRunCleansStorageBetweenCells(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts an etlcore and an aisnode cluster")
	}
	aisBin := aisnodetest.Binary(t)
	tmp := t.TempDir()
	cdir, adir := filepath.Join(tmp, "etlcore"), filepath.Join(tmp, "aisnode")
	t.Cleanup(func() {
		_ = embedded.Down(cdir)
		_ = aisnode.Down(adir)
	})
	sc := parse(t, `
name: space
seed: 3
cluster: {targets: 2}
dataset: {objects: 10, sizes: [16KiB]}
matrix:
  cluster: [etlcore, aisnode]
  op: [put]
load: {workers: 4}
repeats: 2
warmup: 0s
duration: 1s
`)
	var mu sync.Mutex
	seen := map[string][]int{} // dir -> entries at each reading
	free := func(dir string) (uint64, bool) {
		n := deletedEntries(t, dir)
		mu.Lock()
		seen[dir] = append(seen[dir], n)
		mu.Unlock()
		return 100<<30 - uint64(n)*15<<30, true
	}
	out := filepath.Join(tmp, "out")
	_, err := Run(context.Background(), sc, RunOptions{Out: out, ClusterDir: cdir, AisnodeDir: adir, AisnodeBinary: aisBin,
		Binary: testcluster.Binary(t), Stdout: io.Discard, Stderr: io.Discard, NoPlots: true, Display: DisplayNone,
		freeSpace: free, cleanupSettle: 10 * time.Millisecond,
		PageCache: PageCacheFill, fillTarget: func() (uint64, error) {
			z, err := pagecache.ReadZones()
			return z.Free - min(z.Free, 32<<20), err
		}})
	if err != nil {
		t.Fatal(err)
	}
	rec := readRecord(t, out)
	for _, cr := range rec.Cleanups {
		t.Logf("cleanup before cell run %d: %.1fs", cr.BeforeCell, cr.Seconds)
	}
	_, counted := pagecache.HostReported()
	if !strings.HasPrefix(rec.PageCache, "filled") {
		t.Errorf("run.json page_cache %q, want it filled", rec.PageCache)
	}
	for _, c := range rec.Cells {
		if c.Status != StatusOK {
			t.Errorf("cell %s: %s %s", c.ID, c.Status, c.Error)
		}
		m := c.Memory
		switch {
		case m == nil || m.Fill == nil:
			t.Errorf("cell %s: no page cache fill in run.json (%+v)", c.ID, m)
		case !m.Fill.Reached || m.Fill.Read == 0 || m.Fill.FreeAfter > m.Fill.Target:
			t.Errorf("cell %s: fill %+v, want free memory read down to its target", c.ID, *m.Fill)
		case counted && m.HostReported == nil:
			t.Errorf("cell %s: the kernel counts what it reports to the hypervisor, run.json does not", c.ID)
		}
	}
	// Every PUT cell but the last leaves a destroyed bucket: a cleanup
	// before each of cell runs 1, 2 and 3.
	if len(rec.Cleanups) != 3 {
		t.Fatalf("storage cleanups %+v, want 3 (before cell runs 1-3); readings %v", rec.Cleanups, seen)
	}
	for i, cr := range rec.Cleanups {
		if cr.BeforeCell != i+1 || cr.FreeBefore >= 100<<30 || cr.FreeAfter != 100<<30 {
			t.Errorf("cleanup %d: %+v, want before cell run %d, less than 100 GiB free before and 100 GiB after", i, cr, i+1)
		}
		if len(cr.Jobs) != 2 {
			t.Errorf("cleanup %d: jobs %v, want one on each cluster", i, cr.Jobs)
		}
		for url, id := range cr.Jobs {
			if id == "" {
				t.Errorf("cleanup %d on %s: no job id", i, url)
			}
		}
	}
	for _, d := range []string{cdir, adir} {
		if len(seen[d]) == 0 {
			t.Errorf("the runner never read the free space of %s", d)
		}
	}
}
