package result

import (
	"fmt"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Latency histogram geometry, the loader's and every reader's: microseconds
// from 1 us to 1 h, 3 significant digits.
const (
	HistMinUS  = 1
	HistMaxUS  = int64(time.Hour / time.Microsecond)
	HistDigits = 3
)

// NewHist returns an empty latency histogram of that geometry.
func NewHist() *hdr.Histogram { return hdr.New(HistMinUS, HistMaxUS, HistDigits) }

// EncodeHist returns h in HdrHistogram's compressed base64 form (V2), the
// form IntervalOp.Hist holds.
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
		return NewHist(), nil
	}
	h, err := hdr.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return h, nil
}

// HistPercentiles returns the summary percentiles of h, in microseconds.
func HistPercentiles(h *hdr.Histogram) Percentiles {
	if h.TotalCount() == 0 {
		return Percentiles{}
	}
	return Percentiles{
		P50:  float64(h.ValueAtQuantile(50)),
		P90:  float64(h.ValueAtQuantile(90)),
		P99:  float64(h.ValueAtQuantile(99)),
		P999: float64(h.ValueAtQuantile(99.9)),
		Max:  float64(h.Max()),
		Mean: h.Mean(),
		Min:  float64(h.Min()),
	}
}
