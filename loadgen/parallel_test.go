package loadgen

import (
	"context"
	"sync"
	"testing"
)

func TestParallelForEveryIndexOnce(t *testing.T) {
	var mu sync.Mutex
	seen := map[int64]int{}
	parallelFor(context.Background(), 7, 10, 110, func(i int64) {
		mu.Lock()
		seen[i]++
		mu.Unlock()
	})
	if len(seen) != 100 {
		t.Fatalf("%d indexes called, want 100", len(seen))
	}
	for i := int64(10); i < 110; i++ {
		if seen[i] != 1 {
			t.Fatalf("index %d called %d times", i, seen[i])
		}
	}
}

func TestParallelForStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	n := 0
	parallelFor(ctx, 4, 0, 1<<40, func(int64) {
		mu.Lock()
		defer mu.Unlock()
		if n++; n == 50 {
			cancel()
		}
	})
	if n < 50 || n > 54 {
		t.Fatalf("%d calls after a cancel at the 50th with 4 workers", n)
	}
}
