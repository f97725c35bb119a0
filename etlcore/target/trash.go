package target

import (
	"fmt"
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
// cost 200-400 µs of kernel CPU more until the window passed.) The trash
// keeps at most trashMaxBytes of objects per store (the bytes PUT into a
// bucket since start-up count as its size; the oldest entries go first),
// nothing older than trashMaxAge, and nothing when the mountpath's
// filesystem has less than trashMinFree of its space free. The policy is
// applied at every destroy and at start-up.
const (
	trashMaxAge   = 15 * time.Minute
	trashMaxBytes = 1 << 30
	trashMinFree  = 0.05
)

// trash removes destroyed buckets' files in the background, one removal
// at a time per store, and keeps the bytes PUT into each bucket.
type trash struct {
	mu      sync.Mutex
	running bool
	now     func() time.Time // for tests
	written sync.Map         // bucket -> *atomic.Int64: bytes PUT since start-up
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
		s.trash.mu.Lock()
		s.trash.running = false
		s.trash.mu.Unlock()
	}()
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
		short := all || freeFraction(mp) < trashMinFree
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
			if kept <= trashMaxBytes/int64(len(s.mpaths)) {
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

// freeFraction is the share of dir's filesystem that is free to
// unprivileged users (1 when it cannot be read: nothing is removed for it).
func freeFraction(dir string) float64 {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil || st.Blocks == 0 {
		return 1
	}
	return float64(st.Bavail) / float64(st.Blocks)
}

// makeTrash creates mp's trash directory.
func makeTrash(mp string) error {
	if err := os.MkdirAll(filepath.Join(mp, workDirName, trashDirName), 0o755); err != nil {
		return fmt.Errorf("store: create trash of %q: %w", mp, err)
	}
	return nil
}
