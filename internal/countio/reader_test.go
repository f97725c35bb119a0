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
