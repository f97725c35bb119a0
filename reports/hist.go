package reports

import (
	"fmt"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/etlbench/etlbench/reports/result"
)

// opHist merges the latency histograms of op over r's intervals (warm-up
// intervals left out unless withWarmup) into into. It reports whether any
// histogram was found.
func opHist(into *hdr.Histogram, r *result.Result, op string, withWarmup bool) (bool, error) {
	found := false
	for i, o := range r.OpIntervals(op, withWarmup) {
		if o.Hist == "" {
			continue
		}
		h, err := result.DecodeHist(o.Hist)
		if err != nil {
			return found, fmt.Errorf("interval %d, op %q: %w", i, op, err)
		}
		into.Merge(h)
		found = true
	}
	return found, nil
}
