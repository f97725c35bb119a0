package transformers

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/etlbench/etlbench/etlcore/transformer"
)

// md5Hex writes the lowercase hex MD5 digest of its input (32 characters,
// no newline), as AIStore's md5 example transformer does.
func md5Hex(ctx context.Context, _ transformer.Request, r io.Reader, w io.Writer) error {
	h := md5.New()
	if _, err := copyCtx(ctx, h, r); err != nil {
		return fmt.Errorf("md5: read input: %w", err)
	}
	var out [2 * md5.Size]byte
	hex.Encode(out[:], h.Sum(nil))
	if _, err := w.Write(out[:]); err != nil {
		return fmt.Errorf("md5: write: %w", err)
	}
	return nil
}
