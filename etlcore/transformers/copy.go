package transformers

import (
	"context"
	"io"
	"sync"
)

// copyBufSize is the size of the buffers the transforms stream through.
const copyBufSize = 256 << 10

var copyBufs = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// ctxReader fails reads once ctx is done, so that a long copy stops soon
// after the request is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// copyCtx copies r to w in bounded memory until EOF, an error or ctx is done.
func copyCtx(ctx context.Context, w io.Writer, r io.Reader) (int64, error) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	return io.CopyBuffer(writerOnly{w}, ctxReader{ctx, r}, *bp)
}

// writerOnly hides a writer's ReadFrom, so that io.CopyBuffer uses the
// given buffer and the ctx-checking reader.
type writerOnly struct{ io.Writer }
