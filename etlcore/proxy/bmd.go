package proxy

import (
	"net/url"
	"sort"
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
	out := make([]string, 0, len(p.buckets))
	for b := range p.buckets {
		out = append(out, b)
	}
	sort.Strings(out)
	return out
}
