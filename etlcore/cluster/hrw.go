// Package cluster holds the cluster map and highest-random-weight (HRW,
// rendezvous) placement: every object has one owner target, chosen by
// hashing its name with each target's id and taking the highest score.
package cluster

import (
	"fmt"

	"github.com/cespare/xxhash/v2"
	"github.com/etlbench/etlbench/etlcore/api"
)

// mix is a 64-bit finalizer (splitmix64) that spreads the combined hashes.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Uname is the internal placement name of bck/obj.
func Uname(bck, obj string) string { return bck + "/" + obj }

// HRW returns the index in ids of the owner of name.
func HRW(ids []string, name string) int {
	h := xxhash.Sum64String(name)
	best, bestScore := -1, uint64(0)
	for i, id := range ids {
		s := mix(h ^ xxhash.Sum64String(id))
		if best < 0 || s > bestScore {
			best, bestScore = i, s
		}
	}
	return best
}

// Owner returns the target that owns bck/obj in smap, alive or not.
// Placement is over every registered target, so a down target's objects
// stay where they are (and fail fast) instead of being looked for elsewhere.
func Owner(smap *api.Smap, bck, obj string) (*api.NodeInfo, error) {
	if smap == nil || len(smap.Targets) == 0 {
		return nil, fmt.Errorf("cluster map has no targets")
	}
	ids := make([]string, len(smap.Targets))
	for i := range smap.Targets {
		ids[i] = smap.Targets[i].ID
	}
	return &smap.Targets[HRW(ids, Uname(bck, obj))], nil
}

// Target returns the target with id, or nil.
func Target(smap *api.Smap, id string) *api.NodeInfo {
	for i := range smap.Targets {
		if smap.Targets[i].ID == id {
			return &smap.Targets[i]
		}
	}
	return nil
}
