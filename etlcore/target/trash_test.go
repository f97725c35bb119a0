package target

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func trashEntries(t *testing.T, mp string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(mp, workDirName, trashDirName))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// A destroyed bucket is gone at once (a bucket of the same name starts
// empty); its files stay in the trash until they are trashMaxAge old,
// also across a restart, and are then removed.
func TestDestroyBucketTrash(t *testing.T) {
	mp := t.TempDir()
	s, err := NewStore([]string{mp}, false)
	if err != nil {
		t.Fatal(err)
	}
	waitTidy(t, s)
	now := time.Now()
	s.trash.now = func() time.Time { return now }
	if err := s.CreateBucket("b-1"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"x", "d/y"} {
		if _, err := s.Put("b-1", name, strings.NewReader("data"), 4); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DestroyBucket("b-1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DestroyBucket("b-1"); err != nil {
		t.Fatalf("destroy of a destroyed bucket: %v", err)
	}
	if s.BucketExists("b-1") {
		t.Fatal("bucket exists after destroy")
	}
	if got := s.Buckets(); len(got) != 0 {
		t.Fatalf("buckets after destroy: %v", got)
	}
	if err := s.CreateBucket("b-1"); err != nil {
		t.Fatal(err)
	}
	if ents, _, err := s.List("b-1", "", "", 100); err != nil || len(ents) != 0 {
		t.Fatalf("re-created bucket lists %v, %v; want it empty", ents, err)
	}
	waitTidy(t, s)
	tr := trashEntries(t, mp)
	if len(tr) != 1 {
		t.Fatalf("trash %v, want the destroyed bucket", tr)
	}
	fqn := filepath.Join(mp, workDirName, trashDirName, tr[0], "x")
	if s.Owns(fqn) {
		t.Fatalf("Owns(%s): a transformer may be pointed at a destroyed object", fqn)
	}
	if te, ok := parseTrashName(tr[0]); !ok || !te.at.Equal(now) || te.bytes != 8 {
		t.Fatalf("parseTrashName(%s) = %+v, %v; want destroyed now, 8 bytes", tr[0], te, ok)
	}

	// Young trash survives a restart; old trash is removed.
	s2, err := NewStore([]string{mp}, false)
	if err != nil {
		t.Fatal(err)
	}
	waitTidy(t, s2)
	s2.trash.now = func() time.Time { return now.Add(trashMaxAge - time.Second) }
	if n := s2.emptyTrash(false); n != 0 || len(trashEntries(t, mp)) != 1 {
		t.Fatalf("removed %d entries younger than %v", n, trashMaxAge)
	}
	s2.trash.now = func() time.Time { return now.Add(trashMaxAge) }
	if n := s2.emptyTrash(false); n != 1 || len(trashEntries(t, mp)) != 0 {
		t.Fatalf("removed %d, trash %v; want the old entry removed", n, trashEntries(t, mp))
	}
	// Anything in the trash that is not a trash entry is removed.
	if err := os.Mkdir(filepath.Join(mp, workDirName, trashDirName, "junk"), 0o755); err != nil {
		t.Fatal(err)
	}
	if n := s2.emptyTrash(false); n != 1 {
		t.Fatalf("removed %d, want the junk entry", n)
	}
	if avail, total := s2.trash.fsSpace(mp); total == 0 || avail > total {
		t.Fatalf("fsSpace(%s) = %d free of %d", mp, avail, total)
	}
}

// waitTidy waits for a background removal started by NewStore or
// DestroyBucket to end.
func waitTidy(t *testing.T, s *Store) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		s.trash.mu.Lock()
		running := s.trash.running
		s.trash.mu.Unlock()
		if !running {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("background trash removal did not end")
}

// The trash keeps at most 1/trashFreeShare of its filesystem's free
// space per store, split over the store's mountpaths, and nothing under
// the trashMinFree floor.
func TestTrashCapRule(t *testing.T) {
	const gib = 1 << 30
	for _, c := range []struct {
		avail, total uint64
		nmp          int
		want         int64
	}{
		{62 * gib, 252 * gib, 1, 62 * gib / 8},
		{62 * gib, 252 * gib, 2, 62 * gib / 16},
		{13 * gib, 252 * gib, 1, 13 * gib / 8}, // just above 5%
		{12 * gib, 252 * gib, 1, 0},            // under 5% free: nothing kept
		{287 << 20, 252 * gib, 1, 0},           // the disk nearly full
		{0, 0, 1, 0},                           // space unreadable
		{gib, gib, 0, 0},                       // no mountpaths
		{1 << 63, 1 << 63, 1, 1 << 63 / 8},     // no overflow
	} {
		if got := trashCap(c.avail, c.total, c.nmp); got != c.want {
			t.Errorf("trashCap(%d, %d, %d) = %d, want %d", c.avail, c.total, c.nmp, got, c.want)
		}
	}
}

// The trash keeps at most its cap of the real filesystem's free space:
// the oldest entries go first.
func TestTrashBytesCap(t *testing.T) {
	mp := t.TempDir()
	s, err := NewStore([]string{mp}, false)
	if err != nil {
		t.Fatal(err)
	}
	waitTidy(t, s)
	avail, total := s.trash.fsSpace(mp)
	limit := trashCap(avail, total, 1)
	if limit == 0 {
		t.Skipf("%s has under %v of its space free: the trash keeps nothing", mp, trashMinFree)
	}
	now := time.Now()
	dir := filepath.Join(mp, workDirName, trashDirName)
	sizes := []int64{limit / 2, limit / 2, limit / 4}
	var names []string
	for i, b := range sizes {
		name := trashName("b", now.Add(time.Duration(i)*time.Second), b)
		names = append(names, name)
		if err := os.MkdirAll(filepath.Join(dir, name, "obj"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s.trash.now = func() time.Time { return now.Add(time.Minute) }
	if n := s.emptyTrash(false); n != 1 {
		t.Fatalf("removed %d entries, want the oldest one", n)
	}
	got := trashEntries(t, mp)
	if len(got) != 2 || got[0] != names[1] || got[1] != names[2] {
		t.Fatalf("trash %v, want %v", got, names[1:])
	}
	if n := s.emptyTrash(true); n != 2 || len(trashEntries(t, mp)) != 0 {
		t.Fatalf("emptying all removed %d", n)
	}
	for _, bad := range []string{"x", "1-x-b-r", "x-1-b-r", "1--1-b"} {
		if _, ok := parseTrashName(bad); ok {
			t.Errorf("parseTrashName(%q) accepted", bad)
		}
	}
}

// While the trash holds anything it is checked every interval: when the
// filesystem falls under the floor between destroys, the trash empties
// without waiting for the next destroy or restart.
func TestTrashEmptiesWhenSpaceRunsLow(t *testing.T) {
	mp := t.TempDir()
	s, err := NewStore([]string{mp}, false)
	if err != nil {
		t.Fatal(err)
	}
	waitTidy(t, s)
	var low atomic.Bool
	s.trash.every = 10 * time.Millisecond
	s.trash.space = func(string) (uint64, uint64) {
		if low.Load() {
			return 4, 100
		}
		return 50, 100
	}
	if err := s.CreateBucket("b"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put("b", "x", strings.NewReader("data"), 4); err != nil {
		t.Fatal(err)
	}
	if err := s.DestroyBucket("b"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if got := trashEntries(t, mp); len(got) != 1 {
		t.Fatalf("trash %v with half the disk free, want the destroyed bucket kept", got)
	}
	low.Store(true)
	deadline := time.Now().Add(5 * time.Second)
	for len(trashEntries(t, mp)) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("trash %v still there 5 s after free space fell under %v", trashEntries(t, mp), trashMinFree)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// With the trash empty, the checks stop.
	waitTidy(t, s)
	time.Sleep(50 * time.Millisecond)
	s.trash.mu.Lock()
	armed, running := s.trash.armed, s.trash.running
	s.trash.mu.Unlock()
	if armed || running {
		t.Fatalf("trash checks go on with the trash empty (armed %v, running %v)", armed, running)
	}
}

// removeTrash (the cleanup-store job) removes every trash entry whatever
// the policy would keep, and reports each one's bytes; with its context
// ended it removes nothing.
func TestRemoveTrash(t *testing.T) {
	mp := t.TempDir()
	s, err := NewStore([]string{mp}, false)
	if err != nil {
		t.Fatal(err)
	}
	waitTidy(t, s)
	for _, b := range []string{"b1", "b2"} {
		if err := s.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(b, "x", strings.NewReader("12345"), 5); err != nil {
			t.Fatal(err)
		}
		if err := s.DestroyBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(trashEntries(t, mp)); n != 2 {
		t.Fatalf("%d trash entries before, want 2", n)
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	s.removeTrash(done, func(int64) { t.Error("removed with the context ended") })
	if n := len(trashEntries(t, mp)); n != 2 {
		t.Fatalf("%d trash entries after a cancelled removal, want 2", n)
	}
	var n, bytes int64
	s.removeTrash(context.Background(), func(b int64) { n++; bytes += b })
	if n != 2 || bytes != 10 {
		t.Errorf("removed %d entries of %d bytes, want 2 of 10", n, bytes)
	}
	if left := trashEntries(t, mp); len(left) != 0 {
		t.Errorf("trash after removal: %v", left)
	}
}
