package etl

import (
	"context"
	"encoding/binary"
	"hash/crc32"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/etlbench/etlbench/internal/heappeak"
)

// genReader produces n deterministic pseudo-random bytes without holding them.
type genReader struct {
	n, off int64
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.off >= g.n {
		return 0, io.EOF
	}
	if rem := g.n - g.off; int64(len(p)) > rem {
		p = p[:rem]
	}
	var w [8]byte
	i := 0
	for i < len(p) {
		pos := g.off + int64(i)
		if pos%8 == 0 && len(p)-i >= 8 { // a whole word
			binary.LittleEndian.PutUint64(p[i:], uint64(pos/8)*0x9E3779B97F4A7C15)
			i += 8
			continue
		}
		binary.LittleEndian.PutUint64(w[:], uint64(pos/8)*0x9E3779B97F4A7C15)
		p[i] = w[pos%8]
		i++
	}
	g.off += int64(len(p))
	return len(p), nil
}

// TestCommLargeObjectStreams sends a 256 MiB object through an echo
// transformer over hpush and ws (the transformer in the same process) and
// checks that neither side holds the object in memory.
func TestCommLargeObjectStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("256 MiB through loopback twice")
	}
	size := int64(256 << 20)
	if raceEnabled {
		size = 32 << 20
	}
	const heapLimit = 64 << 20
	want := crc32.NewIEEE()
	io.Copy(want, &genReader{n: size})

	tt := newTestTransformer(t)
	for _, mode := range []string{"hpush", "ws"} {
		c := newComm(t, mode, tt.URL(), CommOpts{ObjTimeout: 2 * time.Minute, WSConns: 1})
		runtime.GC()
		stop := heappeak.Watch()
		start := time.Now()
		res, err := c.Do(context.Background(), &ObjRequest{Bck: "b", ObjName: "big", Body: &genReader{n: size}, Size: size})
		if err != nil {
			stop()
			t.Fatalf("%s: %v", mode, err)
		}
		got := crc32.NewIEEE()
		n, err := io.Copy(got, res.Body)
		res.Body.Close()
		maxHeap := stop()
		if err != nil || n != size {
			t.Fatalf("%s: read %d bytes, err %v", mode, n, err)
		}
		if got.Sum32() != want.Sum32() {
			t.Fatalf("%s: the echoed object differs", mode)
		}
		t.Logf("%s: %d MiB echoed in %v, peak heap %.1f MiB", mode, size>>20, time.Since(start).Round(time.Millisecond), float64(maxHeap)/(1<<20))
		if maxHeap > heapLimit {
			t.Errorf("%s: heap reached %.1f MiB for a %d MiB object: not streamed", mode, float64(maxHeap)/(1<<20), size>>20)
		}
	}
}
