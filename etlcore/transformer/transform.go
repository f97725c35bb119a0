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
	// Path is the object's path as the target named it, unescaped and
	// without a leading '/': hpush and hpull "<bucket>/<obj>" (the request
	// path), ws the control message's "path" (AIStore sends the object name).
	Path string
	Args string // etl_args, verbatim
}

// Transform reads an object from r and writes its transformed bytes to w.
// It must stream (bounded memory) and honour ctx (canceled at the object
// timeout and when the result cannot be delivered). An error that has an
// HTTPStatus() int method chooses the status of the reply (else 500; 504
// for a timeout). The SDK calls a Transform concurrently for different objects.
type Transform func(ctx context.Context, req Request, r io.Reader, w io.Writer) error
