package loadgen

import (
	"context"
	"io"
)

// putOp writes new objects only (--op put, or pct_put 100).
type putOp struct{ baseOp }

func (putOp) traits() opTraits { return opTraits{kind: kindWrite} }

func (putOp) check(c *Config) error {
	if c.PctPut != 100 {
		return fieldErrRel("pct_put", []string{"op"}, "%[1]s put is 100%% PUT, got %[2]d (PUTs among GETs: %[1]s mixed)", c.PctPut)
	}
	return nil
}

func (putOp) do(ctx context.Context, r *runner, w *worker, _ objRef) (int64, int64, error) {
	bin, err := r.put(ctx, w)
	return bin, 0, err
}

// put writes the next object of the run.
func (r *runner) put(ctx context.Context, w *worker) (int64, error) {
	idx := r.putSeq.Add(1) - 1
	if r.cfg.MaxPuts > 0 && int64(idx) >= r.cfg.MaxPuts {
		r.stop("maxputs reached")
		return 0, errSkip
	}
	size := r.sizes.Pick(w.rng)
	if r.cfg.TotalPutSize > 0 {
		if prev := r.putBytes.Add(size) - size; prev >= r.cfg.TotalPutSize {
			r.stop("totalputsize reached")
			return 0, errSkip
		}
	}
	name := r.pool.putName(idx)
	open := func() io.Reader { return r.content.Reader(idx, size) }
	if err := r.client(w).PutObjectFunc(ctx, r.cfg.Bucket, name, size, open); err != nil {
		return 0, err
	}
	r.pool.add(idx, size)
	return size, nil
}
