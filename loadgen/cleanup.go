package loadgen

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/etlbench/etlbench/etlcore/api"
)

// cleanup removes what the run made: buckets it created are destroyed;
// in a bucket that existed, the objects the run PUT are deleted.
func (r *runner) cleanup(ctx context.Context) error {
	cfg := &r.cfg
	var errs []error
	if r.createdDst {
		if err := r.ctl.DestroyBucket(ctx, cfg.DstBucket); err != nil && !api.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("destroy bucket %s: %w", cfg.DstBucket, err))
		}
	} else if r.main.traits().dst {
		r.note("cleanup: bucket %s existed before the run; its transformed objects are left", cfg.DstBucket)
	}
	if r.createdSrc {
		if err := r.ctl.DestroyBucket(ctx, cfg.Bucket); err != nil && !api.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("destroy bucket %s: %w", cfg.Bucket, err))
		}
	} else if n := r.putSeq.Load(); n > 0 {
		if cfg.MaxPuts > 0 && n > uint64(cfg.MaxPuts) {
			n = uint64(cfg.MaxPuts)
		}
		if err := r.deletePuts(ctx, n); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%v", errs)
	}
	return nil
}

// deletePuts deletes the run's PUT objects 0..n-1 (missing ones are fine).
func (r *runner) deletePuts(ctx context.Context, n uint64) error {
	var failed atomic.Int64
	var mu sync.Mutex
	var first error
	parallelFor(ctx, min(r.cfg.Workers, 32), 0, int64(n), func(i int64) {
		if err := r.ctl.DeleteObject(ctx, r.cfg.Bucket, r.pool.putName(uint64(i))); err != nil && !api.IsNotFound(err) {
			failed.Add(1)
			mu.Lock()
			if first == nil {
				first = err
			}
			mu.Unlock()
		}
	})
	if f := failed.Load(); f > 0 {
		return fmt.Errorf("delete %d of %d objects failed, e.g.: %w", f, n, first)
	}
	return ctx.Err()
}
