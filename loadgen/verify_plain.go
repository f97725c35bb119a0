package loadgen

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/cespare/xxhash/v2"

	"github.com/etlbench/etlbench/etlcore/api"
)

// verifyGet reads a plain GET's body and checks it (--verify): the run's
// own PUT must come back as the bytes it PUT; any other object must have
// its listed size and the xxhash64 the cluster sends with it (etlcore's
// xxhash64 and AIStore's xxhash2 are the same hash).
func (r *runner) verifyGet(resp *http.Response, obj objRef) (int64, error) {
	h := xxhash.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil {
		return n, fmt.Errorf("read %s/%s: %w", r.cfg.Bucket, obj.name, err)
	}
	if n != obj.size {
		return n, fmt.Errorf("%w: %s/%s: got %d bytes, want %d", ErrWrongOutput, r.cfg.Bucket, obj.name, n, obj.size)
	}
	got := h.Sum64()
	if obj.own {
		want := xxhash.New()
		_, _ = io.Copy(want, r.content.Reader(obj.idx, obj.size))
		if got != want.Sum64() {
			return n, fmt.Errorf("%w: %s/%s: the bytes read (xxhash64 %016x) are not the bytes PUT (%016x)", ErrWrongOutput, r.cfg.Bucket, obj.name, got, want.Sum64())
		}
		r.verifiedGets.Add(1)
		return n, nil
	}
	want := resp.Header.Get(api.HdrChecksumValue)
	if want == "" {
		r.noChecksum.Add(1)
		return n, nil
	}
	if g := fmt.Sprintf("%016x", got); g != want {
		return n, fmt.Errorf("%w: %s/%s: xxhash64 %s, cluster says %s", ErrChecksum, r.cfg.Bucket, obj.name, g, want)
	}
	r.verifiedGets.Add(1)
	return n, nil
}

// list lists the whole bucket (one operation, every page) and returns the
// bytes of the listing's entries (names and sizes). With --verify every
// object listed at the start must be there with its size.
func (r *runner) list(ctx context.Context) (int64, error) {
	all, err := r.c.ListAll(ctx, r.cfg.Bucket, "")
	if err != nil {
		return 0, err
	}
	var n int64
	for _, e := range all {
		n += int64(len(e.Name)) + 8
	}
	if !r.cfg.Verify {
		return n, nil
	}
	have := make(map[string]int64, len(all))
	for _, e := range all {
		have[e.Name] = e.Size
	}
	for _, e := range r.pool.listed {
		size, ok := have[e.Name]
		switch {
		case !ok:
			return n, fmt.Errorf("%w: listing of %s: %s is missing (%d entries listed, %d known)", ErrWrongOutput, r.cfg.Bucket, e.Name, len(all), len(r.pool.listed))
		case size != e.Size:
			return n, fmt.Errorf("%w: listing of %s: %s has %d bytes, want %d", ErrWrongOutput, r.cfg.Bucket, e.Name, size, e.Size)
		}
	}
	r.verifiedLists.Add(1)
	return n, nil
}

// maxPutReadBack is how many of a PUT-only run's objects --verify reads back.
const maxPutReadBack = 256

// verifyPuts reads back up to maxPutReadBack of the run's most recent PUTs
// (--verify with --op put) and returns how many it read and the first
// mismatch.
func (r *runner) verifyPuts(ctx context.Context) (int, error) {
	r.pool.mu.Lock()
	ring := append([]putEntry(nil), r.pool.ring...)
	r.pool.mu.Unlock()
	if len(ring) > maxPutReadBack {
		ring = ring[len(ring)-maxPutReadBack:]
	}
	for i, e := range ring {
		obj := objRef{name: r.pool.putName(e.idx), size: e.size, idx: e.idx, own: true}
		resp, err := r.ctl.GetObject(ctx, r.cfg.Bucket, obj.name, api.GetOpts{})
		if err != nil {
			return i, fmt.Errorf("read back %s/%s: %w", r.cfg.Bucket, obj.name, err)
		}
		_, err = r.verifyGet(resp, obj)
		resp.Body.Close()
		if err != nil {
			return i, err
		}
	}
	return len(ring), nil
}
