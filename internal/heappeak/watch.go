// Package heappeak measures the peak of a process's heap while a test runs:
// the streaming tests bound it to show that an object is never held whole.
package heappeak

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Every is how often Watch samples the heap.
const Every = 20 * time.Millisecond

// Watch samples runtime.MemStats.HeapAlloc (the bytes of allocated heap
// objects) every Every until stop is called; stop takes a last sample and
// returns the largest value seen.
func Watch() (stop func() uint64) {
	var (
		peak atomic.Uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc > peak.Load() {
			peak.Store(ms.HeapAlloc)
		}
	}
	sample()
	wg.Go(func() {
		t := time.NewTicker(Every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		sample()
		return peak.Load()
	}
}
