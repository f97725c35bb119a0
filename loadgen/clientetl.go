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
	"github.com/etlbench/etlbench/internal/countio"
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

// clientOp is a client-side baseline (client-etl-get, and with put
// client-etl-copy): GET raw, transform in the loader, PUT the result.
type clientOp struct {
	op  string
	put bool
}

func (o clientOp) traits() opTraits { return opTraits{kind: kindRead, obj: true, dst: o.put} }

func (o clientOp) check(c *Config) error {
	switch {
	case len(c.ETLSpec) > 0:
		return fieldErrRel("etl_spec", []string{"op"}, "does not apply to %[1]s %[2]s, which runs one built-in transformer in the loader", o.op)
	case len(c.Pipeline) > 0:
		return fieldErrRel("pipeline", []string{"op"}, "does not apply to %[1]s %[2]s, which runs one built-in transformer in the loader", o.op)
	case c.ETLName == "":
		return fieldErrRel("etl_name", []string{"op"}, "required by %[1]s %[2]s: the built-in transformer to run in the loader (%[3]s)", o.op, builtinNames())
	case !isBuiltin(c.ETLName):
		return fieldErrf("etl_name", "%q: not a built-in transformer (%s), which %s runs in the loader", c.ETLName, builtinNames(), o.op)
	case c.Verify:
		return fieldErrRel("verify", []string{"op"}, "does not apply to %[1]s %[2]s, which computes the transform locally", o.op)
	}
	return nil
}

func (o clientOp) prepare(_ context.Context, r *runner) error {
	fn, err := clientTransform(r.cfg.ETLName)
	if err != nil {
		return err
	}
	r.clientFn = fn
	r.res.Config["etl-name"] = ""
	return nil
}

func (clientOp) cleanup(context.Context, *runner) error { return nil }

func (o clientOp) do(ctx context.Context, r *runner, w *worker, obj objRef) (int64, int64, error) {
	return r.clientETL(ctx, w, obj, o.put)
}

// outBufs are the buffers client-etl-copy holds a result in until its PUT.
var outBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

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
		resp, err = r.client(w).GetObject(ctx, r.cfg.Bucket, obj.name, api.GetOpts{})
	}
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	in := &countio.Reader{R: resp.Body}
	req := transformer.Request{Path: r.cfg.Bucket + "/" + obj.name, Args: r.cfg.ETLArgs}
	if !put {
		if err := r.clientFn(ctx, req, in, io.Discard); err != nil {
			return 0, in.N, fmt.Errorf("client-side %s of %s/%s: %w", r.cfg.ETLName, r.cfg.Bucket, obj.name, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		return 0, in.N, nil
	}
	buf := outBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer outBufs.Put(buf)
	lw := &limitWriter{w: buf, left: maxVerifyBytes}
	if err := r.clientFn(ctx, req, in, lw); err != nil {
		return 0, in.N, fmt.Errorf("client-side %s of %s/%s: %w", r.cfg.ETLName, r.cfg.Bucket, obj.name, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	size := int64(buf.Len())
	if err := r.client(w).PutObject(ctx, r.cfg.DstBucket, obj.name, bytes.NewReader(buf.Bytes()), size); err != nil {
		return 0, in.N, err
	}
	return size, in.N, nil
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
