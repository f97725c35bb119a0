package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/httpconn"
)

// maxVerifyBytes bounds the bytes --verify holds in memory per object.
const maxVerifyBytes = 256 << 20

// errSkip means the operation was not made (a limit was reached); it is
// not recorded.
var errSkip = errors.New("skipped")

// worker is one sender's private state.
type worker struct {
	id    int
	rng   *rand.Rand
	timer *time.Timer
	conn  *httpconn.Conn // its own keep-alive connections for GETs
	c     *api.Client    // the client of its proxy (nil: the runner's)
}

// client is the client of w's proxy.
func (r *runner) client(w *worker) *api.Client {
	if w != nil && w.c != nil {
		return w.c
	}
	return r.c
}

func newWorker(id int, seed int64) *worker {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &worker{id: id, rng: rand.New(rand.NewPCG(uint64(seed), uint64(id)+1)), timer: t}
}

// request is one of the operations a run's requests are drawn from,
// with the name it is recorded under.
type request struct {
	name string
	op   operation
}

// chooseOp picks the operation of the next request.
func (r *runner) chooseOp(w *worker) request {
	switch {
	case r.cfg.PctPut >= 100:
		return r.putReq
	case r.cfg.PctPut <= 0:
		return r.readReq
	case w.rng.IntN(100) < r.cfg.PctPut:
		return r.putReq
	}
	return r.readReq
}

// pickObject takes the source object of the next read; ok is false when
// the run stopped instead, and req becomes a PUT when nothing is written
// yet but PUTs are in the mix.
func (r *runner) pickObject(w *worker, req request) (objRef, request, bool) {
	if r.cfg.Epochs > 0 {
		obj, ok := r.pool.next(r.cfg.Epochs)
		if !ok {
			r.stop("epochs done")
		}
		return obj, req, ok
	}
	obj, ok := r.pool.pick(w.rng)
	if ok {
		return obj, req, true
	}
	if r.cfg.PctPut == 0 {
		r.stop("no objects to read")
		return obj, req, false
	}
	return obj, r.putReq, true // nothing written yet: write first
}

// execute makes one request of req, intended at intended (the actual
// send time in closed loop), and records it.
func (r *runner) execute(ctx context.Context, w *worker, req request, intended time.Time) {
	var obj objRef
	if req.op.traits().obj {
		var ok bool
		if obj, req, ok = r.pickObject(w, req); !ok {
			return
		}
	}
	op := req.name
	sent := time.Now()
	bin, bout, err := req.op.do(ctx, r, w, obj)
	end := time.Now()
	if errors.Is(err, errSkip) {
		return
	}
	if err != nil {
		if ctx.Err() != nil {
			// Cancelled by the loader (drain timeout): not the cluster's error.
			r.abortedInFlight.Add(1)
			return
		}
		class := Classify(op, err)
		r.rec.Fail(op, class, bin, bout)
		r.noteErr(op, class, err)
		return
	}
	r.rec.Done(op, end.Sub(intended), end.Sub(sent), bin, bout)
	r.doneOps.Add(1) // for the costs' window (costs.go)
	r.donePayload.Add(max(bin, bout))
}

// get reads obj (transformed when opts name an ETL). bytes in is the
// source object's size for a transform (the transform's input), 0 for a
// plain GET; bytes out is what came back.
func (r *runner) get(ctx context.Context, w *worker, obj objRef, opts api.GetOpts) (int64, int64, error) {
	var bin int64
	etl := opts.ETLName != ""
	if etl {
		bin = obj.size
	}
	var resp *http.Response
	var err error
	if w.conn != nil {
		resp, err = w.conn.GetObject(ctx, r.cfg.Bucket, obj.name, opts)
	} else {
		resp, err = r.client(w).GetObject(ctx, r.cfg.Bucket, obj.name, opts)
	}
	if err != nil {
		return bin, 0, err
	}
	defer resp.Body.Close()
	switch {
	case etl && r.verify != nil:
		var buf bytes.Buffer
		n, err := io.Copy(&buf, io.LimitReader(resp.Body, maxVerifyBytes+1))
		if err != nil {
			return bin, n, fmt.Errorf("read %s/%s: %w", r.cfg.Bucket, obj.name, err)
		}
		if n > maxVerifyBytes {
			return bin, n, fmt.Errorf("verify %s: output larger than %d bytes", obj.name, maxVerifyBytes)
		}
		if err := r.checkOutput(ctx, obj.name, buf.Bytes()); err != nil {
			return bin, n, err
		}
		return bin, n, nil
	case !etl && r.cfg.Verify:
		n, err := r.verifyGet(resp, obj)
		return 0, n, err
	case !etl && r.cfg.VerifyHash:
		h := xxhash.New()
		n, err := io.Copy(h, resp.Body)
		if err != nil {
			return 0, n, fmt.Errorf("read %s/%s: %w", r.cfg.Bucket, obj.name, err)
		}
		want := resp.Header.Get(api.HdrChecksumValue)
		if want == "" {
			r.noChecksum.Add(1)
			return 0, n, nil
		}
		if got := fmt.Sprintf("%016x", h.Sum64()); got != want {
			return 0, n, fmt.Errorf("%w: %s/%s: xxhash64 %s, cluster says %s", ErrChecksum, r.cfg.Bucket, obj.name, got, want)
		}
		return 0, n, nil
	default:
		n, err := io.Copy(io.Discard, resp.Body)
		if err != nil {
			return bin, n, fmt.Errorf("read %s/%s: %w", r.cfg.Bucket, obj.name, err)
		}
		return bin, n, nil
	}
}

// copy transforms obj into the destination bucket (same name).
func (r *runner) copy(ctx context.Context, obj objRef) (int64, error) {
	if err := r.c.TransformCopy(ctx, r.cfg.Bucket, obj.name, r.cfg.DstBucket, obj.name, r.etl.name, r.cfg.ETLArgs); err != nil {
		return obj.size, err
	}
	if r.verify != nil {
		out, err := r.c.GetObjectBytes(ctx, r.cfg.DstBucket, obj.name, api.GetOpts{})
		if err != nil {
			return obj.size, fmt.Errorf("verify: read %s/%s: %w", r.cfg.DstBucket, obj.name, err)
		}
		if err := r.checkOutput(ctx, obj.name, out); err != nil {
			return obj.size, err
		}
	}
	return obj.size, nil
}

// checkOutput compares got, the transform of source object name, with the
// transform computed locally. The source is read (not measured) for it.
func (r *runner) checkOutput(ctx context.Context, name string, got []byte) error {
	src, err := r.c.GetObjectBytes(ctx, r.cfg.Bucket, name, api.GetOpts{})
	if err != nil {
		return fmt.Errorf("verify: read source %s/%s: %w", r.cfg.Bucket, name, err)
	}
	want, err := r.verify(src)
	if err != nil {
		return fmt.Errorf("%w: %s: the local transform fails: %v", ErrWrongOutput, name, err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%w: %s: got %d bytes %s, want %d bytes %s", ErrWrongOutput, name, len(got), preview(got), len(want), preview(want))
	}
	return nil
}

func preview(b []byte) string {
	const n = 24
	if len(b) > n {
		return fmt.Sprintf("%q...", b[:n])
	}
	return fmt.Sprintf("%q", b)
}
