package runtime

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

func TestLogBufRing(t *testing.T) {
	b := NewLogBuf(10)
	b.Write([]byte("abc"))
	b.Write([]byte("defg"))
	if got := string(b.Bytes()); got != "abcdefg" {
		t.Fatalf("got %q", got)
	}
	b.Write([]byte("hijkl")) // wraps: keeps the last 10
	if got := string(b.Bytes()); got != "cdefghijkl" {
		t.Fatalf("after wrap got %q", got)
	}
	b.Write([]byte("mn"))
	if got := string(b.Bytes()); got != "efghijklmn" {
		t.Fatalf("got %q", got)
	}
	b.Write([]byte("0123456789XYZ")) // longer than the limit
	if got := string(b.Bytes()); got != "3456789XYZ" {
		t.Fatalf("got %q", got)
	}
	if b.Len() != 10 || b.Total() != 3+4+5+2+13 {
		t.Fatalf("len %d total %d", b.Len(), b.Total())
	}
	var out bytes.Buffer
	if _, err := b.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	if want := "[... 17 earlier bytes dropped ...]\n3456789XYZ"; out.String() != want {
		t.Fatalf("WriteTo = %q, want %q", out.String(), want)
	}
}

func TestLogBufTail(t *testing.T) {
	b := NewLogBuf(0)
	if b.Tail(10) != "" {
		t.Fatal("tail of empty")
	}
	b.Write([]byte("first line\nsecond line\n\n"))
	if got := b.Tail(0); got != "second line" {
		t.Fatalf("Tail = %q", got)
	}
	if got := b.Tail(4); got != "line" {
		t.Fatalf("Tail(4) = %q", got)
	}
}

func TestLogBufConcurrent(t *testing.T) {
	b := NewLogBuf(1000)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				b.Write([]byte("0123456789\n"))
			}
		})
	}
	wg.Wait()
	if b.Total() != 8*1000*11 || b.Len() != 1000 {
		t.Fatalf("total %d len %d", b.Total(), b.Len())
	}
	// every byte is from the writes: whole lines except possibly the first
	lines := strings.Split(strings.TrimSuffix(string(b.Bytes()), "\n"), "\n")
	for _, l := range lines[1:] {
		if l != "0123456789" {
			t.Fatalf("torn line %q", l)
		}
	}
}
