package target

import (
	"os"
	"path/filepath"
	"strings"
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
	if f := freeFraction(mp); f <= 0 || f > 1 {
		t.Fatalf("freeFraction(%s) = %v", mp, f)
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

// The trash keeps at most trashMaxBytes: the oldest entries go first.
func TestTrashBytesCap(t *testing.T) {
	mp := t.TempDir()
	s, err := NewStore([]string{mp}, false)
	if err != nil {
		t.Fatal(err)
	}
	waitTidy(t, s)
	now := time.Now()
	dir := filepath.Join(mp, workDirName, trashDirName)
	sizes := []int64{trashMaxBytes / 2, trashMaxBytes / 2, trashMaxBytes / 4}
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
