package countio

import (
	"io"
	"strings"
	"testing"
)

func TestReaderCountsWhatPassed(t *testing.T) {
	r := &Reader{R: strings.NewReader("hello, world")}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(r, buf); err != nil {
		t.Fatal(err)
	}
	if r.N != 5 {
		t.Fatalf("after 5 bytes N = %d", r.N)
	}
	rest, err := io.ReadAll(r)
	if err != nil || string(rest) != ", world" {
		t.Fatalf("rest %q, %v", rest, err)
	}
	if r.N != 12 {
		t.Fatalf("after all N = %d, want 12", r.N)
	}
}

// shortWriter takes at most max bytes and then fails.
type shortWriter struct{ max int }

func (s *shortWriter) Write(p []byte) (int, error) {
	if len(p) > s.max {
		n := s.max
		s.max = 0
		return n, io.ErrShortWrite
	}
	s.max -= len(p)
	return len(p), nil
}

func TestWriterCountsWhatWasTaken(t *testing.T) {
	var b strings.Builder
	w := &Writer{W: &b}
	if _, err := io.WriteString(w, "hello, "); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, "world"); err != nil || w.N != 12 || b.String() != "hello, world" {
		t.Fatalf("N = %d, wrote %q, %v; want 12", w.N, b.String(), err)
	}
	short := &Writer{W: &shortWriter{max: 3}}
	if n, err := short.Write([]byte("hello")); n != 3 || err == nil || short.N != 3 {
		t.Fatalf("short write: n %d, N %d, %v; want 3 counted and the error", n, short.N, err)
	}
}
