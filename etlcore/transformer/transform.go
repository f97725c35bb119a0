// Package transformer is the transformer-side SDK: the server side of the
// ETL container contract (health, hpush, hpull, ws, etl_fqn, etl_args,
// direct put and pipeline forwarding) as a Go library. A transformer is a
// streaming function; the SDK does the rest.
package transformer

import (
	"context"
	"io"
)

// Request describes one object to transform.
type Request struct {
	Path string // object name (hpush: /<bucket>/<obj>; ws: the control message's path)
	Args string // etl_args, verbatim
}

// Transform reads an object from r and writes its transformed bytes to w.
// It must stream (bounded memory) and honour ctx.
type Transform func(ctx context.Context, req Request, r io.Reader, w io.Writer) error
