package pagecache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// chunk is how much the filler reads between two looks at the free memory.
const chunk = 4 << 20

// Filler fills free memory with clean page cache by reading a sparse file:
// the kernel caches the zeroed pages of its holes, so the file takes no
// disk space, and writes reclaim those pages as cheaply as any clean
// cache. The file is unlinked as soon as it is made, so nothing is left
// on disk when the process dies; Close frees its pages.
type Filler struct {
	f    *os.File
	size int64
	off  int64 // where the next read starts (a cycle over the file)
	buf  []byte
}

// NewFiller makes the sparse file in dir, which must be on a filesystem
// with a page cache (not tmpfs, whose holes read as the shared zero page),
// as large as the machine's memory.
func NewFiller(dir string) (*Filler, error) {
	m, err := ReadMeminfo()
	if err != nil {
		return nil, err
	}
	var sfs unix.Statfs_t
	if err := unix.Statfs(dir, &sfs); err != nil {
		return nil, fmt.Errorf("page cache filler: %s: %w", dir, err)
	}
	if sfs.Type == unix.TMPFS_MAGIC {
		return nil, fmt.Errorf("page cache filler: %s is on tmpfs, which caches no holes; give a directory on a disk", dir)
	}
	f, err := os.CreateTemp(dir, ".etlbench-pagecache-*")
	if err != nil {
		return nil, fmt.Errorf("page cache filler: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("page cache filler: %w", err)
	}
	size := int64(m.Total) &^ (chunk - 1)
	if err := f.Truncate(size); err != nil {
		f.Close()
		return nil, fmt.Errorf("page cache filler: size %d: %w", size, err)
	}
	return &Filler{f: f, size: size, buf: make([]byte, chunk)}, nil
}

// Stats say what one Fill did.
type Stats struct {
	// FreeBefore and FreeAfter are the free bytes of the page cache's
	// zones before and after.
	FreeBefore uint64 `json:"free_before"`
	FreeAfter  uint64 `json:"free_after"`
	// Target is the free memory Fill reads down to.
	Target uint64 `json:"target"`
	// Read is how much of the sparse file it read.
	Read    uint64  `json:"read"`
	Seconds float64 `json:"seconds"`
	// Reached says free memory came down to Target; when not, Reason says why.
	Reached bool   `json:"reached"`
	Reason  string `json:"reason,omitempty"`
}

// Fill reads the sparse file on until the free memory of the page cache's
// zones (ReadZones) is at most target bytes, for at most limit (0: no limit) or until ctx ends. A whole pass
// over the file that leaves free memory above target ends it too (the
// pages do not stay cached: another process needs the memory, or the
// filesystem caches no holes).
func (fl *Filler) Fill(ctx context.Context, target uint64, limit time.Duration) (st Stats, err error) {
	t0 := time.Now()
	st.Target = target
	defer func() { st.Seconds = time.Since(t0).Seconds() }()
	z, err := ReadZones()
	if err != nil {
		return st, err
	}
	st.FreeBefore, st.FreeAfter = z.Free, z.Free
	for z.Free > target {
		switch {
		case ctx.Err() != nil:
			st.Reason = context.Cause(ctx).Error()
			return st, nil
		case limit > 0 && time.Since(t0) > limit:
			st.Reason = fmt.Sprintf("stopped after %v", limit)
			return st, nil
		case st.Read >= uint64(fl.size):
			st.Reason = "a whole pass over the sparse file left free memory above the target"
			return st, nil
		}
		n, err := fl.f.ReadAt(fl.buf, fl.off)
		if err != nil && !errors.Is(err, io.EOF) {
			return st, fmt.Errorf("page cache filler: read at %d: %w", fl.off, err)
		}
		st.Read += uint64(n)
		fl.off += int64(n)
		if fl.off >= fl.size {
			fl.off = 0
		}
		if z, err = ReadZones(); err != nil {
			return st, err
		}
		st.FreeAfter = z.Free
	}
	st.Reached = true
	return st, nil
}

// Close closes the sparse file; the kernel frees its cached pages.
func (fl *Filler) Close() error { return fl.f.Close() }

// DefaultTarget is the free memory a Fill reads down to: the high
// watermark of the page cache's zones and 64 MiB, so that kswapd starts
// no reclaim for the fill itself and a cell's first writes find little
// memory the hypervisor took back.
func DefaultTarget() (uint64, error) {
	z, err := ReadZones()
	if err != nil {
		return 0, err
	}
	return z.High + 64<<20, nil
}
