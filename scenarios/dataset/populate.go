package dataset

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/etlbench/etlbench/etlcore/api"
)

// PopulateStats says what Populate did.
type PopulateStats struct {
	Objects int   // objects in the bucket now
	Put     int   // objects written by this call
	Bytes   int64 // bytes written by this call
	Reused  bool  // the bucket already held exactly the dataset
}

// Populate makes bucket bck hold exactly the objects of spec: it creates
// the bucket if needed, lists it, and PUTs (with workers at once) every
// object that is missing or has the wrong size. A bucket that already holds
// the dataset is reused as it is. progress, when set, is called with the
// number of objects done so far (from any goroutine).
func Populate(ctx context.Context, c *api.Client, bck string, spec Spec, workers int, progress func(done int)) (PopulateStats, error) {
	var st PopulateStats
	if err := spec.Validate(); err != nil {
		return st, err
	}
	if workers < 1 {
		workers = 8
	}
	exists, err := c.HeadBucket(ctx, bck)
	if err != nil {
		return st, fmt.Errorf("populate %s: %w", bck, err)
	}
	have := map[string]int64{}
	if !exists {
		if err := c.CreateBucket(ctx, bck); err != nil {
			return st, fmt.Errorf("populate %s: create bucket: %w", bck, err)
		}
	} else {
		ents, err := c.ListAll(ctx, bck, "")
		if err != nil {
			return st, fmt.Errorf("populate %s: list: %w", bck, err)
		}
		for _, e := range ents {
			have[e.Name] = e.Size
		}
	}
	var todo []int
	for i := 0; i < spec.Objects; i++ {
		if sz, ok := have[spec.Name(i)]; !ok || sz != spec.ActualSize(i) {
			todo = append(todo, i)
		}
	}
	st.Objects = spec.Objects
	if len(todo) == 0 {
		st.Reused = true
		if progress != nil {
			progress(spec.Objects)
		}
		return st, nil
	}
	var (
		done     atomic.Int64
		bytes    atomic.Int64
		firstErr error
		once     sync.Once
		wg       sync.WaitGroup
	)
	done.Store(int64(spec.Objects - len(todo)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	for w := 0; w < min(workers, len(todo)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				n, err := putOne(ctx, c, bck, spec, i)
				if err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
				bytes.Add(n)
				d := done.Add(1)
				if progress != nil {
					progress(int(d))
				}
			}
		}()
	}
feed:
	for _, i := range todo {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	st.Put = int(done.Load()) - (spec.Objects - len(todo))
	st.Bytes = bytes.Load()
	if firstErr != nil {
		return st, fmt.Errorf("populate %s: %w", bck, firstErr)
	}
	if st.Put < len(todo) {
		return st, fmt.Errorf("populate %s: interrupted after %d of %d objects: %w", bck, st.Put, len(todo), ctx.Err())
	}
	return st, nil
}

func putOne(ctx context.Context, c *api.Client, bck string, spec Spec, i int) (int64, error) {
	r, err := spec.Open(i)
	if err != nil {
		return 0, err
	}
	if err := c.PutObject(ctx, bck, spec.Name(i), r, r.Size()); err != nil {
		return 0, fmt.Errorf("put %s: %w", spec.Name(i), err)
	}
	return r.Size(), nil
}
