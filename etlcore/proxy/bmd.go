package proxy

import (
	"maps"
	"net/url"
	"slices"
	"strconv"

	"github.com/etlbench/etlbench/etlcore/api"
)

// bmdPath is the target path of a bucket create or destroy that makes the
// bucket set version ver.
func bmdPath(bck string, ver int64) string {
	return api.PathBuckets + url.PathEscape(bck) + "?" + api.QparamBMDVersion + "=" + strconv.FormatInt(ver, 10)
}

// bucketListLocked returns the buckets, sorted; p.mu is held.
func (p *Proxy) bucketListLocked() []string {
	out := slices.Sorted(maps.Keys(p.buckets))
	return out
}

// addBucketLocked adds bck to the bucket set, which makes a new version,
// and returns the target path that creates it; ok is false when the
// bucket exists (the path then creates it without a version, for a target
// that lacks it). p.bmdMu is held.
func (p *Proxy) addBucketLocked(bck string) (path string, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.buckets[bck] {
		return api.PathBuckets + url.PathEscape(bck), false
	}
	p.buckets[bck] = true
	p.bmdVer++
	p.saveStateLocked()
	return bmdPath(bck, p.bmdVer), true
}
