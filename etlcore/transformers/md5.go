package transformers

import (
	"bytes"
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
	sum, err := md5Sum(ctx, r)
	if err != nil {
		return err
	}
	if _, err := w.Write(sum); err != nil {
		return fmt.Errorf("md5: write: %w", err)
	}
	return nil
}

// md5Sized is md5Hex with the digest returned whole (no pipe, no goroutine,
// a Content-Length on the reply); a local file is read straight into the
// hash's buffer.
func md5Sized(ctx context.Context, _ transformer.Request, src io.Reader, _ int64) (io.Reader, int64, error) {
	sum, err := md5Sum(ctx, src)
	if err != nil {
		return nil, 0, err
	}
	return bytes.NewReader(sum), int64(len(sum)), nil
}

// md5Sum returns the lowercase hex MD5 digest of r.
func md5Sum(ctx context.Context, r io.Reader) ([]byte, error) {
	h := md5.New()
	if _, err := copyCtx(ctx, h, r); err != nil {
		return nil, fmt.Errorf("md5: read input: %w", err)
	}
	out := make([]byte, 2*md5.Size)
	hex.Encode(out, h.Sum(nil))
	return out, nil
}
