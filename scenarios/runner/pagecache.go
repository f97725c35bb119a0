package runner

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/etlbench/etlbench/internal/pagecache"
	"github.com/etlbench/etlbench/reports/result"
	"github.com/etlbench/etlbench/scenarios"
)

// A storage node that has run for a while has its memory full of page
// cache, and its writes reclaim clean pages. A benchmark cell that writes
// into free memory instead measures something else, and in a virtual
// machine whose kernel reports free memory to the hypervisor it measures
// the hypervisor: every page the host took back costs a host page fault
// on its next touch, seen as system time of the process that touched it
// (up to 6x the CPU of a 1 MiB PUT; see internal/pagecache). The runner
// frees memory itself between cells (a PUT cell's bucket is destroyed,
// a storage cleanup removes trash), so which cell pays is an accident of
// the order.
//
// So, before the load of each cell that can write much (writesMuch) on a
// local cluster, the runner reads a sparse file into the page cache until
// free memory is down to the kernel's high watermark (pagecache.Filler):
// every such cell starts from the same state, whatever ran before it.
// Cells that only read, or write a small dataset's copy once, allocate
// next to nothing and are left alone, so that a short run does not pay
// for filling the machine's memory (up to a minute on an idle VM).
const (
	// PageCacheAuto fills when the kernel reports free memory to a
	// hypervisor and a cluster is local (the default).
	PageCacheAuto = "auto"
	// PageCacheFill fills before every cell that writes much, on a local
	// cluster, also where the kernel reports nothing to a hypervisor.
	PageCacheFill = "fill"
	// PageCacheLeave never fills.
	PageCacheLeave = "leave"

	// EnvPageCache gives the mode when RunOptions.PageCache (--page-cache)
	// does not; `make test` sets it to leave, so that the tests do not
	// fill the machine's memory for figures they do not judge.
	EnvPageCache = "ETLBENCH_PAGE_CACHE"

	// fillMinWrite is the least an offline job's dataset must hold for
	// its cell to be filled for.
	fillMinWrite = 256 << 20

	// fillLimit bounds one fill (a first fill of an idle machine reads
	// most of its memory, at about 3 ms per MiB in a VM that pays host
	// faults).
	fillLimit = 5 * time.Minute
)

// ValidPageCache checks a --page-cache value ("": $ETLBENCH_PAGE_CACHE,
// else auto).
func ValidPageCache(mode string) error {
	_, err := pageCacheMode(mode)
	return err
}

// pageCacheMode is the mode of a run asked for mode.
func pageCacheMode(mode string) (string, error) {
	src := "page cache mode"
	if mode == "" {
		mode, src = os.Getenv(EnvPageCache), "$"+EnvPageCache
	}
	switch mode {
	case "":
		return PageCacheAuto, nil
	case PageCacheAuto, PageCacheFill, PageCacheLeave:
		return mode, nil
	}
	return "", fmt.Errorf("%s %q: want auto, fill or leave", src, mode)
}

// MemoryRecord is what the runner did to, and saw of, the machine's
// memory around one cell run (run.json).
type MemoryRecord struct {
	// Fill is the page cache fill before the load.
	Fill *pagecache.Stats `json:"fill,omitempty"`
	// FillError is why no fill was made.
	FillError string `json:"fill_error,omitempty"`
	// HostReported is how many bytes of free memory the kernel reported
	// to the hypervisor during the load (absent where it counts none).
	HostReported *uint64 `json:"host_reported_during_load,omitempty"`
}

// memoryKeeper fills the page cache before the cells.
type memoryKeeper struct {
	mode   string // how the run was asked (RunOptions.PageCache)
	on     bool
	reason string // why it is on or off, for run.json
	filler *pagecache.Filler
	err    error // the filler could not be made (then no fills)
	target func() (uint64, error)
}

// startMemory decides whether the run fills the page cache and records it.
func (r *runState) startMemory() {
	k := &r.mem
	k.mode, _ = pageCacheMode(r.opts.PageCache) // checked by Run
	if k.target == nil {
		k.target = pagecache.DefaultTarget
	}
	dirs := r.localDirs()
	switch {
	case k.mode == PageCacheLeave:
		k.reason = "left as it is (page cache mode leave)"
	case len(dirs) == 0:
		k.reason = "left as it is: no cluster of the run is local"
	case k.mode == PageCacheFill:
		k.on, k.reason = true, "filled before every cell that writes much (page cache mode fill)"
	case pagecache.Reporting():
		k.on, k.reason = true, "filled before every cell that writes much: the kernel reports free memory to the hypervisor"
	default:
		k.reason = "left as it is: the kernel reports no free memory to a hypervisor"
	}
	r.rec.PageCache = k.reason
	if k.on {
		k.filler, k.err = pagecache.NewFiller(dirs[0])
		if k.err != nil {
			r.prog.say("page cache: %v; cells start with the memory as it is", k.err)
		}
	}
}

// writesMuch reports whether c's load can write enough to meet the memory
// a hypervisor took back: loads of PUTs and copies write for as long as
// they run, an offline job writes its dataset's transform once.
func writesMuch(c *scenarios.Cell) bool {
	switch c.Op {
	case result.OpETLBucket, result.OpETLMulti:
		return c.Data.MaxBytes() >= fillMinWrite
	}
	return c.Writes()
}

// stopMemory frees the filler's pages.
func (r *runState) stopMemory() {
	if r.mem.filler != nil {
		_ = r.mem.filler.Close()
		r.mem.filler = nil
	}
}

// fillPageCache fills the page cache before the load of c (when on and
// c writes) and returns the record to complete around the load.
func (r *runState) fillPageCache(ctx context.Context, c *scenarios.Cell) *MemoryRecord {
	k := &r.mem
	if !k.on || !writesMuch(c) {
		return nil
	}
	mr := &MemoryRecord{}
	if k.filler == nil {
		mr.FillError = k.err.Error()
		return mr
	}
	target, err := k.target()
	if err != nil {
		mr.FillError = err.Error()
		return mr
	}
	st, err := k.filler.Fill(ctx, target, fillLimit)
	if err != nil {
		mr.FillError = err.Error()
		return mr
	}
	mr.Fill = &st
	if st.Read >= 1<<30 {
		r.prog.say("page cache: read %s into it in %.0fs (free memory %s -> %s)", fmtBytes(st.Read), st.Seconds, fmtBytes(st.FreeBefore), fmtBytes(st.FreeAfter))
	}
	if !st.Reached {
		r.prog.say("page cache: free memory still %s (target %s): %s", fmtBytes(st.FreeAfter), fmtBytes(st.Target), st.Reason)
	}
	return mr
}

// reportedNote is the least memory reported to the hypervisor during a
// load that the cell's result notes.
const reportedNote = 64 << 20

// noteReported records in *mr (made when nil) what the kernel reported to
// the hypervisor since before (its count before the load) and notes it in
// the result when it is enough to show in the CPU figures.
func noteReported(mr **MemoryRecord, before uint64, res *result.Result) bool {
	now, ok := pagecache.HostReported()
	if !ok {
		return false
	}
	if *mr == nil {
		*mr = &MemoryRecord{}
	}
	d := now - before
	(*mr).HostReported = &d
	if d < reportedNote || res == nil {
		return false
	}
	res.Notes = append(res.Notes, fmt.Sprintf("the kernel reported %s of free memory to the hypervisor during the load; the writes that reused it paid host page faults as system CPU (docs/performance.md)", fmtBytes(d)))
	return true
}
