package target

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("client went away")
	}
	k := min(len(p), f.n)
	f.n -= k
	return k, nil
}

func TestPutAtomic(t *testing.T) {
	mp := t.TempDir()
	s, err := NewStore([]string{mp}, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put("b", "x", strings.NewReader("data"), 4); err == nil {
		t.Fatal("PUT into a missing bucket: want error")
	}
	if err := s.CreateBucket("b"); err != nil {
		t.Fatal(err)
	}
	// A writer that fails mid-way leaves neither the object nor a work file.
	if _, err := s.Put("b", "dir/x", &failingReader{n: 1000}, 5000); err == nil {
		t.Fatal("want error from failing reader")
	}
	if _, err := s.Put("b", "dir/y", strings.NewReader("abc"), 10); err == nil || statusOf(err) != 400 {
		t.Fatalf("short body: %v, want 400", err)
	}
	for _, name := range []string{"dir/x", "dir/y"} {
		if _, _, _, err := s.Open("b", name); statusOf(err) != 404 {
			t.Fatalf("%s visible after failed PUT: %v", name, err)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(mp, workDirName)); len(ents) != 0 {
		t.Fatalf("work files left: %v", ents)
	}
	res, err := s.Put("b", "dir/z", strings.NewReader("hello"), 5)
	if err != nil {
		t.Fatal(err)
	}
	f, fi, fqn, err := s.Open("b", "dir/z")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != "hello" || fi.Size() != 5 || !s.Owns(fqn) {
		t.Fatalf("got %q size %d owns %v", b, fi.Size(), s.Owns(fqn))
	}
	if sum := Checksum(fqn); sum != "" && sum != res.Checksum {
		t.Fatalf("stored checksum %s != %s", sum, res.Checksum)
	}
	if s.Owns("/etc/passwd") || s.Owns(filepath.Join(mp, workDirName, "x")) || s.Owns(mp+"/b/../../etc") {
		t.Fatal("Owns accepts a path outside the objects")
	}
	// A work file left by a killed writer is removed at start-up.
	_ = os.WriteFile(filepath.Join(mp, workDirName, "put-dead"), []byte("partial"), 0o644)
	if _, err := NewStore([]string{mp}, false); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(filepath.Join(mp, workDirName)); len(ents) != 0 {
		t.Fatalf("stale work files not removed: %v", ents)
	}
}
