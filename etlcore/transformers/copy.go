package transformers

import (
	"context"
	"io"
	"sync"

	"github.com/etlbench/etlbench/internal/ctxio"
)

// copyBufSize is the size of the buffers the transforms stream through.
const copyBufSize = 256 << 10

var copyBufs = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// copyCtx copies r to w in bounded memory until EOF, an error or ctx is done.
func copyCtx(ctx context.Context, w io.Writer, r io.Reader) (int64, error) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	return io.CopyBuffer(writerOnly{w}, ctxio.Reader(ctx, r), *bp)
}

// writerOnly hides a writer's ReadFrom, so that io.CopyBuffer uses the
// given buffer and the ctx-checking reader.
type writerOnly struct{ io.Writer }
