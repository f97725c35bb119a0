package transformers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"hash"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/etlbench/etlbench/etlcore/transformer"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// lazyStream produces n pseudo-random, somewhat compressible bytes as they
// are read (nothing is held but the generator), hashing what it hands out.
type lazyStream struct {
	left int64
	rng  *rand.ChaCha8
	sum  hash.Hash
}

func newLazyStream(n int64) *lazyStream {
	return &lazyStream{left: n, rng: rand.NewChaCha8([32]byte{9}), sum: sha256.New()}
}

func (s *lazyStream) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), s.left)]
	s.rng.Read(p)
	for i := range p {
		p[i] &= 0x3f // 6 random bits a byte: compressible, not trivially
	}
	s.sum.Write(p)
	s.left -= int64(len(p))
	return len(p), nil
}

// TestStreaming64MiB passes a 64 MiB lazily generated stream through echo and
// compress, consuming the output as it comes, and checks that the bytes
// allocated meanwhile are a small fraction of the stream: no transform
// buffers it whole.
func TestStreaming64MiB(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB streams in -short mode")
	}
	const size = 64 << 20
	cases := []struct {
		name, args string
		undo       func(io.Reader) (io.Reader, error)
	}{
		{"echo", "", func(r io.Reader) (io.Reader, error) { return r, nil }},
		{"compress", "algo=gzip,level=1", func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
		{"compress", "algo=zstd,level=1", func(r io.Reader) (io.Reader, error) {
			d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
			return d, err
		}},
	}
	for _, c := range cases {
		t.Run(c.name+"/"+c.args, func(t *testing.T) {
			fn, _ := Lookup(c.name)
			src := newLazyStream(size)
			pr, pw := io.Pipe()
			type result struct {
				n   int64
				sum []byte
				err error
			}
			done := make(chan result, 1)
			go func() {
				r, err := c.undo(pr)
				if err != nil {
					pr.CloseWithError(err)
					done <- result{err: err}
					return
				}
				h := sha256.New()
				n, err := io.Copy(h, r)
				pr.CloseWithError(err)
				done <- result{n, h.Sum(nil), err}
			}()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			err := fn(context.Background(), transformer.Request{Path: "/b/big", Args: c.args}, src, pw)
			pw.CloseWithError(err)
			res := <-done
			runtime.ReadMemStats(&after)
			if err != nil || res.err != nil {
				t.Fatalf("transform: %v; consumer: %v", err, res.err)
			}
			if res.n != size || !bytes.Equal(res.sum, src.sum.Sum(nil)) {
				t.Fatalf("output: %d bytes, sha256 match %v; want %d identical bytes", res.n, bytes.Equal(res.sum, src.sum.Sum(nil)), size)
			}
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("allocated %.1f MiB while streaming %d MiB", float64(alloc)/(1<<20), size>>20)
			if alloc > size/4 {
				t.Errorf("allocated %d MiB while streaming %d MiB: the stream is buffered", alloc>>20, size>>20)
			}
		})
	}
}
