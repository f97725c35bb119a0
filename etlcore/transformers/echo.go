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
