package loadgen

import (
	"context"
	"sync"
	"sync/atomic"
)

// parallelFor calls f(i) for each i in [from, to) on workers goroutines,
// every index once, and returns when all are done or ctx ends (indexes
// not reached by then are skipped). f handles its own errors.
func parallelFor(ctx context.Context, workers int, from, to int64, f func(i int64)) {
	var next atomic.Int64
	next.Store(from)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= to {
					return
				}
				f(i)
			}
		})
	}
	wg.Wait()
}
