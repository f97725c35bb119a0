package reports

import (
	"fmt"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/etlbench/etlbench/reports/result"
)

// Histogram range of merged latency histograms, in microseconds (1 us .. 1 h),
// the loader's range.
const (
	histLowest  = 1
	histHighest = 3_600_000_000
	histDigits  = 3
)

// decodeHist decodes a histogram in HdrHistogram's compressed base64 form.
func decodeHist(s string) (*hdr.Histogram, error) {
	h, err := hdr.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	return h, nil
}

// EncodeHist encodes h in the form result.IntervalOp.Hist holds.
func EncodeHist(h *hdr.Histogram) (string, error) {
	b, err := h.EncodeV2()
	if err != nil {
		return "", fmt.Errorf("encoding histogram: %w", err)
	}
	return string(b), nil
}

// newHist returns an empty histogram of the loader's range.
func newHist() *hdr.Histogram { return hdr.New(histLowest, histHighest, histDigits) }

// opHist merges the latency histograms of op over r's intervals (warm-up
// intervals left out unless withWarmup) into into. It reports whether any
// histogram was found.
func opHist(into *hdr.Histogram, r *result.Result, op string, withWarmup bool) (bool, error) {
	found := false
	for i, iv := range r.Intervals {
		if iv.Warmup && !withWarmup {
			continue
		}
		o, ok := iv.Ops[op]
		if !ok || o.Hist == "" {
			continue
		}
		h, err := decodeHist(o.Hist)
		if err != nil {
			return found, fmt.Errorf("interval %d, op %q: %w", i, op, err)
		}
		into.Merge(h)
		found = true
	}
	return found, nil
}

// histPercentiles returns the percentiles of h in microseconds.
func histPercentiles(h *hdr.Histogram) result.Percentiles {
	if h.TotalCount() == 0 {
		return result.Percentiles{}
	}
	return result.Percentiles{
		P50:  float64(h.ValueAtQuantile(50)),
		P90:  float64(h.ValueAtQuantile(90)),
		P99:  float64(h.ValueAtQuantile(99)),
		P999: float64(h.ValueAtQuantile(99.9)),
		Max:  float64(h.Max()),
		Mean: h.Mean(),
		Min:  float64(h.Min()),
	}
}
