package transformer

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"testing"

	"github.com/coder/websocket"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/heappeak"
)

// zeroes is an endless-ish reader of n bytes that allocates nothing.
type zeroes struct{ n int64 }

func (z *zeroes) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

// bigSize is the object size of the streaming tests: 1 GiB with
// ETLBENCH_BIG_OBJECT=1, else 128 MiB (keeps `go test` fast on 2 cores;
// 16 MiB under the race detector).
func bigSize() int64 {
	if os.Getenv("ETLBENCH_BIG_OBJECT") != "" {
		return 1 << 30
	}
	if raceEnabled {
		return 16 << 20
	}
	return 128 << 20
}

// The heap stays small however large the object: every mode streams.
const maxHeap = 48 << 20

func TestStreamLargeHpush(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	size := bigSize()
	_, ts := startSDK(t, Config{}, echoT)
	runtime.GC()
	stop := heappeak.Watch()
	req, _ := http.NewRequest(http.MethodPut, ts.URL+"/b/big", &zeroes{size})
	req.ContentLength = size
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	peak := stop()
	if err != nil || n != size || resp.StatusCode != 200 {
		t.Fatalf("status %d, %d of %d bytes, %v", resp.StatusCode, n, size, err)
	}
	t.Logf("%d MiB through hpush echo, peak heap %d MiB", size>>20, peak>>20)
	if peak > maxHeap {
		t.Fatalf("peak heap %d MiB > %d MiB", peak>>20, maxHeap>>20)
	}
}

func TestStreamLargeWS(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	size := bigSize()
	_, ts := startSDK(t, Config{}, echoT)
	conn := wsDial(t, ts.URL)
	ctx := testCtx(t)
	runtime.GC()
	stop := heappeak.Watch()
	errc := make(chan error, 1)
	go func() {
		b, _ := api.EncodeWSCtrlMsg(&api.WSCtrlMsg{Path: "b/big"})
		if err := conn.Write(ctx, websocket.MessageBinary, b); err != nil {
			errc <- err
			return
		}
		w, err := conn.Writer(ctx, websocket.MessageBinary)
		if err != nil {
			errc <- err
			return
		}
		if _, err := io.CopyBuffer(w, &zeroes{size}, make([]byte, 64<<10)); err != nil {
			errc <- err
			return
		}
		errc <- w.Close()
	}()
	typ, r, err := conn.Reader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, r)
	peak := stop()
	if werr := <-errc; werr != nil {
		t.Fatal(werr)
	}
	if err != nil || n != size || typ != websocket.MessageBinary {
		t.Fatalf("type %v, %d of %d bytes, %v", typ, n, size, err)
	}
	t.Logf("%d MiB through ws echo, peak heap %d MiB", size>>20, peak>>20)
	if peak > maxHeap {
		t.Fatalf("peak heap %d MiB > %d MiB", peak>>20, maxHeap>>20)
	}
}

// BenchmarkHpushEcho reports hpush echo throughput through the SDK on loopback.
func BenchmarkHpushEcho(b *testing.B) {
	for _, size := range []int64{64 << 10, 8 << 20} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			srv := NewServer(Config{}, echoT)
			ts := newBenchServer(b, srv)
			b.SetBytes(size)
			for b.Loop() {
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodPut, ts+"/b/o", &zeroes{size})
				req.ContentLength = size
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
