package transformers

import (
	"context"
	"fmt"
	"io"

	"github.com/etlbench/etlbench/etlcore/transformer"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// compressArgs are the keys of compress's etl_args.
var compressArgs = map[string]bool{"algo": true, "level": true}

// compressor is what *gzip.Writer and *zstd.Encoder have in common.
type compressor interface {
	io.WriteCloser
	Reset(w io.Writer)
}

// compress writes its input compressed with gzip or zstd at the level that
// etl_args gives ("algo=zstd,level=3"; gzip level 6 by default).
func compress(ctx context.Context, req transformer.Request, r io.Reader, w io.Writer) error {
	a, err := parseArgs("compress", req.Args, compressArgs)
	if err != nil {
		return err
	}
	algo, err := a.oneOf("algo", "gzip", "gzip", "zstd")
	if err != nil {
		return err
	}
	var zw compressor
	switch algo {
	case "gzip":
		level, err := a.intIn("level", 6, gzip.NoCompression, gzip.BestCompression)
		if err != nil {
			return err
		}
		if zw, err = gzip.NewWriterLevel(w, level); err != nil {
			return fmt.Errorf("compress: gzip level %d: %w", level, err)
		}
	case "zstd":
		level, err := a.intIn("level", 3, 1, 22)
		if err != nil {
			return err
		}
		// One encoder goroutine per object: bounded memory, no hidden
		// parallelism skewing the benchmark.
		zw, err = zstd.NewWriter(w,
			zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(level)),
			zstd.WithEncoderConcurrency(1))
		if err != nil {
			return fmt.Errorf("compress: zstd level %d: %w", level, err)
		}
	}
	if _, err := copyCtx(ctx, zw, r); err != nil {
		// Release the encoder without writing a trailer that would make
		// the cut output look complete.
		zw.Reset(io.Discard)
		zw.Close()
		return fmt.Errorf("compress: %s: %w", algo, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compress: %s: finish: %w", algo, err)
	}
	return nil
}
