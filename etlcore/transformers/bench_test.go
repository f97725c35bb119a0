package transformers

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/etlbench/etlbench/etlcore/transformer"
)

// BenchmarkTransforms reports the in-process throughput of each built-in
// transform on a typical input (the ceiling a transformer server can reach).
func BenchmarkTransforms(b *testing.B) {
	data8M := textLike(8 << 20)
	t := &testing.T{}
	img := encodeJPEG(t, gradient(1024, 768, false))
	wav := testWAV{code: wavFormatPCM, bits: 16, rate: 44100, frames: scaled(sines(441000, 44100, 1, 440, 1000))}.bytes()
	cases := []struct {
		name, transformer, args string
		in                      []byte
	}{
		{"echo/8MiB", "echo", "", data8M},
		{"md5/8MiB", "md5", "", data8M},
		{"hash-with-args/8MiB", "hash-with-args", "42", data8M},
		{"compress/gzip-1/8MiB", "compress", "algo=gzip,level=1", data8M},
		{"compress/gzip-6/8MiB", "compress", "", data8M},
		{"compress/zstd-3/8MiB", "compress", "algo=zstd,level=3", data8M},
		{"image-resize/1024x768-to-224x224", "image-resize", "224x224", img},
		{"audio/10s-stereo44k-to-mono16k", "audio", "ac=1,ar=16000", wav},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			fn, _ := Lookup(c.transformer)
			b.SetBytes(int64(len(c.in)))
			for b.Loop() {
				if err := fn(context.Background(), transformer.Request{Args: c.args}, bytes.NewReader(c.in), io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
