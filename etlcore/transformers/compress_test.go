package transformers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/etlbench/etlbench/etlcore/transformer"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// textLike returns n compressible bytes.
func textLike(n int) []byte {
	words := []string{"near-data ", "ETL ", "transform ", "object ", "bucket ", "target ", "proxy\n"}
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(words[r.IntN(len(words))])
	}
	return b.Bytes()[:n]
}

func decompress(t *testing.T, algo string, data []byte) []byte {
	t.Helper()
	var r io.Reader
	switch algo {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("gzip header: %v", err)
		}
		r = zr
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r = zr
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s decompress: %v", algo, err)
	}
	return out
}

func TestCompressRoundTrip(t *testing.T) {
	input := textLike(300 << 10)
	cases := []struct{ args, algo string }{
		{"", "gzip"},
		{"algo=gzip", "gzip"},
		{"algo=gzip,level=0", "gzip"},
		{"algo=gzip,level=1", "gzip"},
		{"level=9", "gzip"},
		{"algo=zstd", "zstd"},
		{"algo=zstd,level=1", "zstd"},
		{"algo=zstd,level=3", "zstd"},
		{"algo=zstd,level=19", "zstd"},
		{" level=22 , algo=zstd ", "zstd"},
	}
	sizes := map[string]int{}
	for _, c := range cases {
		for _, in := range [][]byte{nil, []byte("a"), input} {
			out := mustRun(t, "compress", c.args, in)
			if got := decompress(t, c.algo, out); !bytes.Equal(got, in) {
				t.Fatalf("compress %q: round trip of %d bytes gave %d different bytes", c.args, len(in), len(got))
			}
			if len(in) == len(input) {
				sizes[c.args] = len(out)
			}
		}
	}
	// Levels are really applied: stored (level 0) is larger than the input,
	// the best levels beat the fastest.
	if sizes["algo=gzip,level=0"] <= len(input) || sizes["level=9"] >= sizes["algo=gzip,level=1"] {
		t.Errorf("gzip sizes do not follow the level: %v (input %d)", sizes, len(input))
	}
	if sizes[" level=22 , algo=zstd "] >= sizes["algo=zstd,level=1"] {
		t.Errorf("zstd sizes do not follow the level: %v", sizes)
	}
	if sizes[""] != sizes["algo=gzip"] {
		t.Errorf("default is not gzip level 6: %v", sizes)
	}
}

func TestCompressBadArgs(t *testing.T) {
	cases := []struct{ args, arg string }{
		{"algo=lz4", "algo"},
		{"algo=", "algo"},
		{"level=10", "level"},
		{"level=-2", "level"},
		{"algo=zstd,level=0", "level"},
		{"algo=zstd,level=23", "level"},
		{"level=fast", "level"},
		{"level", "level"},
		{"gzip", "gzip"},
		{"speed=1", "speed"},
	}
	for _, c := range cases {
		out, err := runT(t, "compress", c.args, []byte("data"))
		wantStatusErr(t, err, 400, "compress", fmt.Sprintf("bad arg %q", c.arg))
		if len(out) != 0 {
			t.Errorf("%q: wrote %d bytes before failing on args", c.args, len(out))
		}
	}
}

// cancelAfter cancels its context once n bytes have been read through it.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n -= n; c.n <= 0 {
		c.cancel()
	}
	return n, err
}

// TestCompressCancelled: a cancelled request stops the copy and leaves no
// complete-looking stream behind.
func TestCompressCancelled(t *testing.T) {
	for _, algo := range []string{"gzip", "zstd"} {
		ctx, cancel := context.WithCancel(context.Background())
		src := &cancelAfter{r: newLazyStream(64 << 20), n: 1 << 20, cancel: cancel}
		var out bytes.Buffer
		err := compress(ctx, transformer.Request{Args: "algo=" + algo}, src, &out)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: error %v, want context.Canceled", algo, err)
		}
		if out.Len() > 8<<20 {
			t.Errorf("%s: wrote %d bytes after cancel at 1 MiB", algo, out.Len())
		}
		var zr io.Reader
		switch algo {
		case "gzip":
			zr, err = gzip.NewReader(bytes.NewReader(out.Bytes()))
		case "zstd":
			var d *zstd.Decoder
			d, err = zstd.NewReader(bytes.NewReader(out.Bytes()))
			if err == nil {
				defer d.Close()
				zr = d
			}
		}
		if err == nil {
			_, err = io.Copy(io.Discard, zr)
		}
		if err == nil {
			t.Errorf("%s: the output of a cancelled request decompresses as complete", algo)
		}
	}
}
