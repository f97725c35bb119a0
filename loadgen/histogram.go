package loadgen

import (
	"fmt"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/etlbench/etlbench/reports/result"
)

// Histogram geometry: microseconds from 1 us to 1 h, 3 significant digits.
const (
	HistMinUS  = 1
	HistMaxUS  = int64(time.Hour / time.Microsecond)
	HistDigits = 3
)

// NewHistogram returns an empty latency histogram of the loader's geometry.
func NewHistogram() *hdr.Histogram { return hdr.New(HistMinUS, HistMaxUS, HistDigits) }

// micros converts d to whole microseconds clamped to the histogram's range.
func micros(d time.Duration) int64 {
	us := int64(d / time.Microsecond)
	if us < HistMinUS {
		return HistMinUS
	}
	if us > HistMaxUS {
		return HistMaxUS
	}
	return us
}

// EncodeHist returns h in HdrHistogram's compressed base64 form (V2).
func EncodeHist(h *hdr.Histogram) (string, error) {
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encode histogram: %w", err)
	}
	return string(b), nil
}

// DecodeHist reads a histogram written by EncodeHist ("" is an empty one).
func DecodeHist(s string) (*hdr.Histogram, error) {
	if s == "" {
		return NewHistogram(), nil
	}
	h, err := hdr.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return h, nil
}

// Percentiles returns the summary percentiles of h, in microseconds.
func Percentiles(h *hdr.Histogram) result.Percentiles {
	if h.TotalCount() == 0 {
		return result.Percentiles{}
	}
	return result.Percentiles{
		P50:  float64(h.ValueAtPercentile(50)),
		P90:  float64(h.ValueAtPercentile(90)),
		P99:  float64(h.ValueAtPercentile(99)),
		P999: float64(h.ValueAtPercentile(99.9)),
		Max:  float64(h.Max()),
		Mean: h.Mean(),
		Min:  float64(h.Min()),
	}
}

// MergeIntervals merges the histograms of op over the measured (non
// warm-up) intervals of res: corrected and service. This is how a reader of
// result.json rebuilds the whole-run histograms.
func MergeIntervals(res *result.Result, op string) (corrected, service *hdr.Histogram, err error) {
	corrected, service = NewHistogram(), NewHistogram()
	for _, iv := range res.Intervals {
		if iv.Warmup {
			continue
		}
		io, ok := iv.Ops[op]
		if !ok {
			continue
		}
		h, err := DecodeHist(io.Hist)
		if err != nil {
			return nil, nil, fmt.Errorf("interval %s %s: %w", iv.Start.Format(time.RFC3339Nano), op, err)
		}
		if d := corrected.Merge(h); d != 0 {
			return nil, nil, fmt.Errorf("interval %s %s: %d values dropped in merge", iv.Start.Format(time.RFC3339Nano), op, d)
		}
		if io.ServiceHist != "" {
			s, err := DecodeHist(io.ServiceHist)
			if err != nil {
				return nil, nil, fmt.Errorf("interval %s %s service: %w", iv.Start.Format(time.RFC3339Nano), op, err)
			}
			service.Merge(s)
		}
	}
	return corrected, service, nil
}
