package target

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// trashDirName is the directory in a mountpath's work directory that
// destroyed buckets are moved to.
const trashDirName = "trash"

// A destroyed bucket's directory is moved to the trash at once and its
// files are removed later, in the background, as AIStore does: a destroy
// costs one rename, and the files' inodes are not freed right before the
// next bucket is written. (On ext4 without a journal, creating a file
// scans the inode bitmap past every inode freed in the last minute or
// more: after a destroy of tens of thousands of objects, each new object
// cost 200-400 µs of kernel CPU more until the window passed.)
//
// The trash follows its filesystem: on each mountpath a store keeps at
// most 1/trashFreeShare of the space the filesystem has free now, split
// over the store's mountpaths (the bytes PUT into a bucket since start-up
// count as its size; the oldest entries go first), nothing older than
// trashMaxAge, and nothing at all when the filesystem has less than
// trashMinFree of its space free. The policy is applied at start-up, at
// every destroy and, while the trash holds anything, every
// trashCheckEvery, so that the trash empties when the disk fills up for
// any reason and old entries go without waiting for the next destroy.
const (
	trashMaxAge     = 15 * time.Minute
	trashFreeShare  = 8
	trashMinFree    = 0.05
	trashCheckEvery = 5 * time.Second
)

// trashCap is the most trash bytes a store with nmp mountpaths keeps on
// a mountpath whose filesystem has avail of its total bytes free to
// unprivileged users: avail/trashFreeShare/nmp, and 0 under the
// trashMinFree floor or when the filesystem reports no size.
func trashCap(avail, total uint64, nmp int) int64 {
	if total == 0 || nmp < 1 || float64(avail) < trashMinFree*float64(total) {
		return 0
	}
	c := avail / trashFreeShare / uint64(nmp)
	if c > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(c)
}

// trash removes destroyed buckets' files in the background, one removal
// at a time per store, and keeps the bytes PUT into each bucket.
type trash struct {
	mu      sync.Mutex
	running bool
	armed   bool     // a check is due in every
	written sync.Map // bucket -> *atomic.Int64: bytes PUT since start-up

	// For tests; zero values mean the real clock, statfs and
	// trashCheckEvery. Set them before the store is used.
	now   func() time.Time
	space func(dir string) (avail, total uint64)
	every time.Duration
}

// wrote counts n bytes PUT into bck.
func (t *trash) wrote(bck string, n int64) {
	c, ok := t.written.Load(bck)
	if !ok {
		c, _ = t.written.LoadOrStore(bck, new(atomic.Int64))
	}
	c.(*atomic.Int64).Add(n)
}

// trashEntry is a destroyed bucket's directory in the trash, named
// <destroyed at, Unix ns>-<bytes>-<bucket>-<random>, so that its age and
// size are known after a restart too.
type trashEntry struct {
	name  string
	at    time.Time
	bytes int64
}

func trashName(bck string, at time.Time, bytes int64) string {
	return strconv.FormatInt(at.UnixNano(), 10) + "-" + strconv.FormatInt(bytes, 10) + "-" + bck + "-" + randSuffix()
}

// parseTrashName reads a trash entry's name; false for any other name.
func parseTrashName(name string) (trashEntry, bool) {
	ts, rest, ok := strings.Cut(name, "-")
	if !ok {
		return trashEntry{}, false
	}
	bs, _, ok := strings.Cut(rest, "-")
	if !ok {
		return trashEntry{}, false
	}
	ns, err1 := strconv.ParseInt(ts, 10, 64)
	b, err2 := strconv.ParseInt(bs, 10, 64)
	if err1 != nil || err2 != nil || b < 0 {
		return trashEntry{}, false
	}
	return trashEntry{name: name, at: time.Unix(0, ns), bytes: b}, true
}

// moveToTrash moves bck's directory on mountpath mp to mp's trash (no
// error when there is none); bytes is the bucket's size as counted.
func (s *Store) moveToTrash(mp, bck string, bytes int64) error {
	err := os.Rename(filepath.Join(mp, bck), filepath.Join(mp, workDirName, trashDirName, trashName(bck, s.trash.clock(), bytes)))
	if os.IsNotExist(err) {
		return nil
	}
	return err
}

// takeWritten returns and forgets the bytes PUT into bck.
func (t *trash) takeWritten(bck string) int64 {
	if c, ok := t.written.LoadAndDelete(bck); ok {
		return c.(*atomic.Int64).Load()
	}
	return 0
}

func (t *trash) clock() time.Time {
	if t.now != nil {
		return t.now()
	}
	return time.Now()
}

// tidyTrash starts a background removal of what the policy says must go
// now, unless one is running.
func (s *Store) tidyTrash() {
	s.trash.mu.Lock()
	if s.trash.running {
		s.trash.mu.Unlock()
		return
	}
	s.trash.running = true
	s.trash.mu.Unlock()
	go func() {
		s.emptyTrash(false)
		left := s.trashLeft()
		s.trash.mu.Lock()
		s.trash.running = false
		arm := left && !s.trash.armed
		if arm {
			s.trash.armed = true
		}
		s.trash.mu.Unlock()
		if arm {
			time.AfterFunc(s.trash.interval(), func() {
				s.trash.mu.Lock()
				s.trash.armed = false
				s.trash.mu.Unlock()
				s.tidyTrash()
			})
		}
	}()
}

// trashLeft reports whether any mountpath's trash holds an entry.
func (s *Store) trashLeft() bool {
	for _, mp := range s.mpaths {
		f, err := os.Open(filepath.Join(mp, workDirName, trashDirName))
		if err != nil {
			continue
		}
		names, _ := f.Readdirnames(1)
		_ = f.Close()
		if len(names) > 0 {
			return true
		}
	}
	return false
}

func (t *trash) interval() time.Duration {
	if t.every > 0 {
		return t.every
	}
	return trashCheckEvery
}

// fsSpace returns the bytes of dir's filesystem free to unprivileged
// users and its size; zeros when they cannot be read.
func (t *trash) fsSpace(dir string) (avail, total uint64) {
	if t.space != nil {
		return t.space(dir)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, 0
	}
	bs := uint64(st.Frsize)
	if bs == 0 {
		bs = uint64(st.Bsize)
	}
	return st.Bavail * bs, st.Blocks * bs
}

// emptyTrash removes the trash entries the policy says must go (all of
// them when all is true) and returns how many it removed.
func (s *Store) emptyTrash(all bool) int {
	n := 0
	now := s.trash.clock()
	for _, mp := range s.mpaths {
		dir := filepath.Join(mp, workDirName, trashDirName)
		ents, err := os.ReadDir(dir)
		if err != nil || len(ents) == 0 {
			continue
		}
		// Where the free space cannot be read, nothing is kept.
		avail, total := s.trash.fsSpace(mp)
		limit := trashCap(avail, total, len(s.mpaths))
		short := all || limit == 0
		var keep []trashEntry
		var kept int64
		for _, e := range ents {
			te, ok := parseTrashName(e.Name())
			if short || !ok || now.Sub(te.at) >= trashMaxAge {
				if os.RemoveAll(filepath.Join(dir, e.Name())) == nil {
					n++
				}
				continue
			}
			keep = append(keep, te)
			kept += te.bytes
		}
		sort.Slice(keep, func(i, j int) bool { return keep[i].at.Before(keep[j].at) })
		for _, te := range keep {
			if kept <= limit {
				break
			}
			if os.RemoveAll(filepath.Join(dir, te.name)) == nil {
				n++
			}
			kept -= te.bytes
		}
	}
	return n
}

// removeTrash removes every entry of every mountpath's trash, one after
// another until ctx ends, and calls removed with the bytes of each (0 for
// an entry whose name does not say).
func (s *Store) removeTrash(ctx context.Context, removed func(bytes int64)) {
	for _, mp := range s.mpaths {
		dir := filepath.Join(mp, workDirName, trashDirName)
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if ctx.Err() != nil {
				return
			}
			if os.RemoveAll(filepath.Join(dir, e.Name())) != nil {
				continue
			}
			te, _ := parseTrashName(e.Name())
			removed(te.bytes)
		}
	}
}

// makeTrash creates mp's trash directory.
func makeTrash(mp string) error {
	if err := os.MkdirAll(filepath.Join(mp, workDirName, trashDirName), 0o755); err != nil {
		return fmt.Errorf("store: create trash of %q: %w", mp, err)
	}
	return nil
}
