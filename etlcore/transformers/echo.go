package transformers

import (
	"context"
	"io"

	"github.com/etlbench/etlbench/etlcore/transformer"
)

// echo copies its input to its output unchanged.
func echo(ctx context.Context, _ transformer.Request, r io.Reader, w io.Writer) error {
	_, err := copyCtx(ctx, w, r)
	return err
}

// echoSized answers with the input itself: a local file (etl_fqn) goes out
// by sendfile, with its length.
func echoSized(_ context.Context, _ transformer.Request, src io.Reader, size int64) (io.Reader, int64, error) {
	return src, size, nil
}
