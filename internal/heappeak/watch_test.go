package heappeak

import (
	"runtime"
	"testing"
	"time"
)

var sink []byte

// TestWatchSeesAnAllocationThatIsGone: a 64 MiB buffer held for a few
// samples and then dropped shows in the peak, though the heap is small again
// when the watch stops.
func TestWatchSeesAnAllocationThatIsGone(t *testing.T) {
	runtime.GC()
	stop := Watch()
	sink = make([]byte, 64<<20)
	for i := range sink {
		sink[i] = byte(i)
	}
	time.Sleep(5 * Every)
	sink = nil
	runtime.GC()
	peak := stop()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if peak < 64<<20 {
		t.Fatalf("peak %d MiB: the 64 MiB buffer was not seen", peak>>20)
	}
	if ms.HeapAlloc >= 64<<20 {
		t.Fatalf("heap %d MiB after the buffer was dropped: the test shows nothing", ms.HeapAlloc>>20)
	}
}

// TestWatchStopsItsSampler: stop returns, and a second watch starts afresh.
func TestWatchStopsItsSampler(t *testing.T) {
	before := runtime.NumGoroutine()
	stop := Watch()
	if p := stop(); p == 0 {
		t.Fatal("peak 0: no sample taken")
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after stop, %d before: the sampler still runs", n, before)
	}
}
