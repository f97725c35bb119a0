package loadgen

import (
	"fmt"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/etlbench/etlbench/reports/result"
)

// micros converts d to whole microseconds clamped to the histogram's range.
func micros(d time.Duration) int64 {
	us := int64(d / time.Microsecond)
	if us < result.HistMinUS {
		return result.HistMinUS
	}
	if us > result.HistMaxUS {
		return result.HistMaxUS
	}
	return us
}

// MergeIntervals merges the histograms of op over the measured (non
// warm-up) intervals of res: corrected and service. This is how a reader of
// result.json rebuilds the whole-run histograms.
func MergeIntervals(res *result.Result, op string) (corrected, service *hdr.Histogram, err error) {
	corrected, service = result.NewHist(), result.NewHist()
	for i, io := range res.OpIntervals(op, false) {
		iv := res.Intervals[i]
		h, err := result.DecodeHist(io.Hist)
		if err != nil {
			return nil, nil, fmt.Errorf("interval %s %s: %w", iv.Start.Format(time.RFC3339Nano), op, err)
		}
		if d := corrected.Merge(h); d != 0 {
			return nil, nil, fmt.Errorf("interval %s %s: %d values dropped in merge", iv.Start.Format(time.RFC3339Nano), op, d)
		}
		if io.ServiceHist != "" {
			s, err := result.DecodeHist(io.ServiceHist)
			if err != nil {
				return nil, nil, fmt.Errorf("interval %s %s service: %w", iv.Start.Format(time.RFC3339Nano), op, err)
			}
			service.Merge(s)
		}
	}
	return corrected, service, nil
}
