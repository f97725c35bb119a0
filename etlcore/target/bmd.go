package target

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/etlbench/etlbench/etlcore/api"
)

// bmdState is what a target knows of the proxy's bucket set: the version
// its local buckets are known to match. The proxy sends bucket creates and
// destroys (each making version v) and full sets (with pushes of the
// cluster map) one at a time, in version order; a target that was down or
// only slow misses some, and the next full set brings it in line.
type bmdState struct {
	mu  sync.Mutex
	ver int64
}

// syncBuckets makes the local buckets those of the proxy's set of version
// ver (creating missing ones, destroying those destroyed meanwhile), unless
// the target is already there.
func (t *Target) syncBuckets(bmd []string, ver int64) {
	t.bmd.mu.Lock()
	defer t.bmd.mu.Unlock()
	if ver <= t.bmd.ver {
		return
	}
	want := map[string]bool{}
	for _, b := range bmd {
		want[b] = true
		if err := t.store.CreateBucket(b); err != nil {
			t.log.Printf("sync buckets (version %d): %v", ver, err)
		}
	}
	for _, b := range t.store.Buckets() {
		if !want[b] {
			if err := t.store.DestroyBucket(b); err != nil {
				t.log.Printf("sync buckets (version %d): %v", ver, err)
			}
		}
	}
	t.bmd.ver = ver
}

// joinBuckets creates the buckets of the join reply (the proxy's set of
// version ver), unless a push of that set or a newer one came first. It
// destroys nothing: a bucket create may reach the target before it reads
// the reply; the cluster-map push that follows every join brings the
// whole set.
func (t *Target) joinBuckets(bmd []string, ver int64) {
	t.bmd.mu.Lock()
	defer t.bmd.mu.Unlock()
	if ver > 0 && ver <= t.bmd.ver {
		return
	}
	for _, b := range bmd {
		if err := t.store.CreateBucket(b); err != nil {
			t.log.Printf("join: create bucket: %v", err)
		}
	}
}

// bucketOp runs a bucket create or destroy from the proxy: one the target
// already has (its version is not newer) is skipped; the version advances
// only when none is missing in between.
func (t *Target) bucketOp(r *http.Request, op func() error) error {
	var ver int64
	if v := r.URL.Query().Get(api.QparamBMDVersion); v != "" {
		ver, _ = strconv.ParseInt(v, 10, 64)
	}
	t.bmd.mu.Lock()
	defer t.bmd.mu.Unlock()
	if ver > 0 && ver <= t.bmd.ver {
		return nil
	}
	if err := op(); err != nil {
		return err
	}
	if ver == t.bmd.ver+1 {
		t.bmd.ver = ver
	}
	return nil
}
