package loadgen

import (
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/etlbench/etlbench/etlcore/api"
)

// putRingSize bounds how many of the run's own PUT objects reads choose
// from (besides the listed ones), so memory stays constant however long
// the run writes.
const putRingSize = 1 << 20

// pool is the set of objects reads choose from: the bucket's objects
// listed before the run and the most recent objects the run PUT.
type pool struct {
	listed []api.ListEntry
	prefix string

	mu   sync.Mutex
	ring []putEntry // the last putRingSize PUTs
	n    int        // PUTs added (ring index = n % len)

	cursor atomic.Int64 // epoch mode: next listed index
}

type putEntry struct {
	idx  uint64
	size int64
}

// objRef is one object chosen for an operation.
type objRef struct {
	name string
	size int64
	idx  uint64 // the run's own PUT number, when own
	own  bool
}

func newPool(listed []api.ListEntry, prefix string) *pool {
	return &pool{listed: listed, prefix: prefix}
}

// putName is the name of the run's PUT number idx.
func (p *pool) putName(idx uint64) string { return p.prefix + strconv.FormatUint(idx, 10) }

// add records a completed PUT.
func (p *pool) add(idx uint64, size int64) {
	p.mu.Lock()
	if len(p.ring) < putRingSize {
		p.ring = append(p.ring, putEntry{idx, size})
	} else {
		p.ring[p.n%putRingSize] = putEntry{idx, size}
	}
	p.n++
	p.mu.Unlock()
}

// empty reports whether there is nothing to read.
func (p *pool) empty() bool {
	if len(p.listed) > 0 {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.ring) == 0
}

// pick chooses an object uniformly among the listed and the recent PUTs.
func (p *pool) pick(r *rand.Rand) (objRef, bool) {
	p.mu.Lock()
	nr := len(p.ring)
	total := len(p.listed) + nr
	if total == 0 {
		p.mu.Unlock()
		return objRef{}, false
	}
	i := r.IntN(total)
	if i < len(p.listed) {
		p.mu.Unlock()
		e := p.listed[i]
		return objRef{name: e.Name, size: e.Size}, true
	}
	e := p.ring[i-len(p.listed)]
	p.mu.Unlock()
	return objRef{name: p.putName(e.idx), size: e.size, idx: e.idx, own: true}, true
}

// next returns the next listed object in order (epoch mode), or false when
// epochs passes over the listing are done.
func (p *pool) next(epochs int) (objRef, bool) {
	if len(p.listed) == 0 {
		return objRef{}, false
	}
	i := p.cursor.Add(1) - 1
	if i >= int64(epochs)*int64(len(p.listed)) {
		return objRef{}, false
	}
	e := p.listed[i%int64(len(p.listed))]
	return objRef{name: e.Name, size: e.Size}, true
}
