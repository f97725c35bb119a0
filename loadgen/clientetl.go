package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/transformer"
	"github.com/etlbench/etlbench/etlcore/transformers"
	"github.com/etlbench/etlbench/reports/result"
)

// The client-side baselines: what a user does without near-data ETL.
// client-etl-get GETs the raw object and runs the built-in transformer in
// the loader; client-etl-copy also PUTs the result to the destination
// bucket (same name).
const (
	OpClientETLGet  = result.OpClientETLGet
	OpClientETLCopy = result.OpClientETLCopy
)

// IsClientOp reports whether op transforms in the loader.
func IsClientOp(op string) bool { return op == OpClientETLGet || op == OpClientETLCopy }

// outBufs are the buffers client-etl-copy holds a result in until its PUT.
var outBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// countWriter counts what it discards.
type countWriter struct{ n int64 }

func (w *countWriter) Write(b []byte) (int, error) { w.n += int64(len(b)); return len(b), nil }

// clientTransform looks up the built-in transformer a client-side op runs.
func clientTransform(name string) (transformer.Transform, error) {
	fn, err := transformers.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("client-side ETL runs a built-in transformer in the loader: %w", err)
	}
	return fn, nil
}

// clientETL GETs obj raw and transforms it in the loader; with put, it
// PUTs the result to the destination bucket. Bytes in are what it PUT,
// bytes out what it received (the raw object).
func (r *runner) clientETL(ctx context.Context, w *worker, obj objRef, put bool) (int64, int64, error) {
	var resp *http.Response
	var err error
	if w.conn != nil {
		resp, err = w.conn.GetObject(ctx, r.cfg.Bucket, obj.name, api.GetOpts{})
	} else {
		resp, err = r.c.GetObject(ctx, r.cfg.Bucket, obj.name, api.GetOpts{})
	}
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	in := &countingBody{r: resp.Body}
	req := transformer.Request{Path: r.cfg.Bucket + "/" + obj.name, Args: r.cfg.ETLArgs}
	if !put {
		if err := r.clientFn(ctx, req, in, &countWriter{}); err != nil {
			return 0, in.n, fmt.Errorf("client-side %s of %s/%s: %w", r.cfg.ETLName, r.cfg.Bucket, obj.name, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		return 0, in.n, nil
	}
	buf := outBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer outBufs.Put(buf)
	lw := &limitWriter{w: buf, left: maxVerifyBytes}
	if err := r.clientFn(ctx, req, in, lw); err != nil {
		return 0, in.n, fmt.Errorf("client-side %s of %s/%s: %w", r.cfg.ETLName, r.cfg.Bucket, obj.name, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	size := int64(buf.Len())
	if err := r.c.PutObject(ctx, r.cfg.DstBucket, obj.name, bytes.NewReader(buf.Bytes()), size); err != nil {
		return 0, in.n, err
	}
	return size, in.n, nil
}

// countingBody counts what is read from r.
type countingBody struct {
	r io.Reader
	n int64
}

func (c *countingBody) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// limitWriter fails once more than left bytes are written.
type limitWriter struct {
	w    io.Writer
	left int64
}

func (l *limitWriter) Write(b []byte) (int, error) {
	if int64(len(b)) > l.left {
		return 0, fmt.Errorf("output larger than %d bytes", maxVerifyBytes)
	}
	l.left -= int64(len(b))
	return l.w.Write(b)
}
