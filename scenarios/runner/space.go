package runner

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/etlbench/etlbench/etlcore/api"
)

// The runner destroys what each cell run wrote, and both etlcore and
// AIStore keep a destroyed bucket's files on disk for a while (etlcore's
// trash, AIStore's .$deleted) so that a destroy costs one rename. Over a
// long run of PUT cells that is tens of gigabytes: the disk fills, each
// cluster's own cleanup then starts in the middle of some later cell (in
// the other cluster's measured window, too), and AIStore slows down as it
// nears its capacity watermarks.
//
// So, for the clusters whose data the runner can see (those with a local
// directory: embedded and aisnode), the runner keeps the space: before a
// cell run, when the filesystem of any of them has less than spaceKeep of
// the space it had free after the last cleanup (or at the start), it runs
// AIStore's storage cleanup job (cleanup-store) on every such cluster,
// waits for it, flushes the filesystem and waits spaceSettle before the
// next cell: on ext4 without a journal, a new file's inode allocation
// skips and reads every inode freed in the last 60 s, which would make the
// next PUTs pay for the removal. A cluster it cannot see (Kubernetes, a
// user's own) is left to its own policy.
const (
	spaceKeep       = 0.8
	spaceSettle     = 61 * time.Second
	spaceJobTimeout = 10 * time.Minute
)

// CleanupRecord is one storage cleanup between cell runs in run.json.
type CleanupRecord struct {
	// BeforeCell is the index of the cell run it preceded.
	BeforeCell int `json:"before_cell"`
	// FreeBefore and FreeAfter are the free bytes of the fullest
	// filesystem before the cleanup and after it.
	FreeBefore uint64 `json:"free_before"`
	FreeAfter  uint64 `json:"free_after"`
	// Seconds is how long the jobs and the settle took.
	Seconds float64 `json:"seconds"`
	// Jobs are the cleanup jobs' ids by cluster (proxy URL).
	Jobs map[string]string `json:"jobs"`
}

// spaceKeeper follows the free space of the local clusters' filesystems.
type spaceKeeper struct {
	free   func(dir string) (uint64, bool) // nil: statfs
	settle time.Duration                   // 0: spaceSettle
	base   map[string]uint64               // dir -> free bytes after the last cleanup
}

// localDirs are the directories of the clusters whose disk the runner sees.
func (r *runState) localDirs() []string {
	var dirs []string
	for _, cl := range r.sortedClusters() {
		if cl.Dir != "" {
			dirs = append(dirs, cl.Dir)
		}
	}
	return dirs
}

func (k *spaceKeeper) freeOf(dir string) (uint64, bool) {
	if k.free != nil {
		return k.free(dir)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return st.Bavail * uint64(st.Bsize), true
}

// due reports whether a cleanup is due and the least free space now.
func (k *spaceKeeper) due(dirs []string) (bool, uint64) {
	if k.base == nil {
		k.base = map[string]uint64{}
	}
	due, least := false, uint64(0)
	for _, d := range dirs {
		f, ok := k.freeOf(d)
		if !ok {
			continue
		}
		if least == 0 || f < least {
			least = f
		}
		b, seen := k.base[d]
		if !seen || f > b {
			k.base[d] = f
			continue
		}
		if float64(f) < spaceKeep*float64(b) {
			due = true
		}
	}
	return due, least
}

// rebase takes the free space now as the new reference.
func (k *spaceKeeper) rebase(dirs []string) uint64 {
	least := uint64(0)
	for _, d := range dirs {
		if f, ok := k.freeOf(d); ok {
			k.base[d] = f
			if least == 0 || f < least {
				least = f
			}
		}
	}
	return least
}

// keepSpace runs a storage cleanup before cell run i when one is due.
func (r *runState) keepSpace(ctx context.Context, i int) {
	dirs := r.localDirs()
	due, before := r.space.due(dirs)
	if !due {
		return
	}
	t0 := time.Now()
	r.prog.say("storage cleanup: the disk has %s free, less than %.0f%% of what it had; cleaning up destroyed buckets", fmtBytes(before), 100*spaceKeep)
	cr := CleanupRecord{BeforeCell: i, FreeBefore: before, Jobs: map[string]string{}}
	for _, cl := range r.sortedClusters() {
		if cl.Dir == "" {
			continue
		}
		id, err := cleanStorage(ctx, cl.Client)
		if err != nil {
			r.prog.say("storage cleanup on %s: %v", cl.URL, err)
			continue
		}
		cr.Jobs[cl.URL] = id
	}
	for _, d := range dirs {
		syncFS(d)
	}
	settle := r.space.settle
	if settle == 0 {
		settle = spaceSettle
	}
	select {
	case <-ctx.Done():
	case <-time.After(settle):
	}
	cr.FreeAfter = r.space.rebase(dirs)
	cr.Seconds = time.Since(t0).Seconds()
	r.rec.Cleanups = append(r.rec.Cleanups, cr)
	r.prog.say("storage cleanup: %s free after %.0fs", fmtBytes(cr.FreeAfter), cr.Seconds)
}

// cleanStorage runs cleanup-store on a cluster and waits for its end.
func cleanStorage(ctx context.Context, cl *api.Client) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, spaceJobTimeout)
	defer cancel()
	id, err := cl.StartXaction(ctx, api.ActStoreCleanup)
	if err != nil {
		return "", err
	}
	if _, err := cl.WaitXaction(ctx, id, 200*time.Millisecond); err != nil {
		return id, err
	}
	return id, nil
}

// syncFS writes out the dirty data and metadata of dir's filesystem.
func syncFS(dir string) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	_ = unix.Syncfs(fd)
	_ = unix.Close(fd)
}

// fmtBytes is n in GiB (or MiB under one GiB).
func fmtBytes(n uint64) string {
	if n < 1<<30 {
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}
