package target

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// truncatedReader gives data, then io.ErrUnexpectedEOF, as net/http's
// body of a request cut off mid-chunk does.
type truncatedReader struct{ data []byte }

func (r *truncatedReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	k := copy(p, r.data)
	r.data = r.data[k:]
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
	// A body of unknown length that breaks off (a chunked request whose
	// sender died: io.ErrUnexpectedEOF) is not a whole object.
	if _, err := s.Put("b", "dir/w", &truncatedReader{data: []byte("hello-")}, -1); err == nil {
		t.Fatal("a truncated body of unknown length was stored")
	}
	for _, name := range []string{"dir/x", "dir/y", "dir/w"} {
		if _, _, _, err := s.Open("b", name); statusOf(err) != 404 {
			t.Fatalf("%s visible after failed PUT: %v", name, err)
		}
	}
	assertNoWorkFiles(t, mp)
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
	assertNoWorkFiles(t, mp)
}

// destroyingReader destroys the bucket once half of its bytes were read:
// a bucket that goes away while a PUT into it is in flight.
type destroyingReader struct {
	s    *Store
	bck  string
	data []byte
	done bool
}

func (d *destroyingReader) Read(p []byte) (int, error) {
	if len(d.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 10)], d.data)
	d.data = d.data[n:]
	if !d.done {
		d.done = true
		if err := d.s.DestroyBucket(d.bck); err != nil {
			return n, err
		}
	}
	return n, nil
}

func TestPutDirectories(t *testing.T) {
	mp := t.TempDir()
	s, err := NewStore([]string{mp}, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket("b"); err != nil {
		t.Fatal(err)
	}
	// New directories several levels deep are created; a second object in
	// an existing directory needs none.
	for _, name := range []string{"a/b/c/x", "a/b/c/y", "a/z"} {
		if _, err := s.Put("b", name, strings.NewReader(name), int64(len(name))); err != nil {
			t.Fatalf("put %s: %v", name, err)
		}
		if b, err := os.ReadFile(filepath.Join(mp, "b", name)); err != nil || string(b) != name {
			t.Fatalf("%s: %q, %v", name, b, err)
		}
	}
	// A path segment that is an object, and a name that is a directory of
	// other objects, are conflicts; nothing changes.
	if _, err := s.Put("b", "a/z/w", strings.NewReader("w"), 1); statusOf(err) != 409 {
		t.Fatalf("put under an object: %v, want 409", err)
	}
	if _, err := s.Put("b", "a/b", strings.NewReader("w"), 1); statusOf(err) != 409 {
		t.Fatalf("put onto a directory: %v, want 409", err)
	}
	if b, _ := os.ReadFile(filepath.Join(mp, "b", "a/z")); string(b) != "a/z" {
		t.Fatalf("a/z changed: %q", b)
	}
	// Concurrent PUTs that each need the same new directories all succeed.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("p/q/r/%d", i)
			if _, err := s.Put("b", name, strings.NewReader(name), -1); err != nil {
				errs <- fmt.Errorf("put %s: %w", name, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if ents, _ := os.ReadDir(filepath.Join(mp, "b", "p/q/r")); len(ents) != 16 {
		t.Fatalf("%d objects in p/q/r, want 16", len(ents))
	}
	assertNoWorkFiles(t, mp)
}

// A PUT into a bucket that is missing, or destroyed while the PUT is in
// flight, fails with 404 and does not bring the bucket's directory back.
func TestPutMissingBucket(t *testing.T) {
	mp := t.TempDir()
	s, err := NewStore([]string{mp}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put("nob", "x/y", strings.NewReader("data"), 4); statusOf(err) != 404 {
		t.Fatalf("put into a missing bucket: %v, want 404", err)
	}
	if err := s.CreateBucket("b"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"x", "d/x"} {
		data := []byte(strings.Repeat("0123456789", 10))
		_, err := s.Put("b", name, &destroyingReader{s: s, bck: "b", data: data}, int64(len(data)))
		if statusOf(err) != 404 || !strings.Contains(err.Error(), "does not exist") {
			t.Fatalf("put %s into a bucket destroyed meanwhile: %v, want 404", name, err)
		}
		if s.BucketExists("b") {
			t.Fatalf("put %s brought the destroyed bucket back", name)
		}
		if err := s.CreateBucket("b"); err != nil {
			t.Fatal(err)
		}
	}
	if s.BucketExists("nob") {
		t.Fatal("a PUT created bucket nob")
	}
	assertNoWorkFiles(t, mp)
}

func assertNoWorkFiles(t *testing.T, mp string) {
	t.Helper()
	ents, _ := os.ReadDir(filepath.Join(mp, workDirName))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "put-") {
			t.Fatalf("work file left: %s", e.Name())
		}
	}
}
