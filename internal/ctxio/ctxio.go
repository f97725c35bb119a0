// Package ctxio has the context-aware reader of the object data path.
package ctxio

import (
	"context"
	"io"
)

// Reader returns r with reads that fail with ctx's error once ctx is done,
// so that a long copy stops soon after its request is canceled.
func Reader(ctx context.Context, r io.Reader) io.Reader { return reader{ctx, r} }

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (c reader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
