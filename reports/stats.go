package reports

import (
	"math"
	"slices"
)

// Median returns the median of xs (the mean of the two middle values for an
// even count), or NaN for an empty slice. xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return sortedMedian(s)
}

// sortedMedian is Median of an already sorted slice.
func sortedMedian(s []float64) float64 {
	n := len(s)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Mean returns the arithmetic mean of xs, or NaN for an empty slice.
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

// Estimate is a location estimate of a sample: the median with a
// confidence interval (bootstrap, percentile method), and the mean.
type Estimate struct {
	N      int     `json:"n"`
	Median float64 `json:"median"`
	Mean   float64 `json:"mean"`
	Lo     float64 `json:"ci_lo"` // lower bound of the confidence interval of the median
	Hi     float64 `json:"ci_hi"` // upper bound
}

// Estimate computes the Estimate of xs with a bootstrap interval of the given
// level (e.g. 0.95) from resamples resamples, seeded by seed.
func estimate(xs []float64, level float64, resamples int, seed uint64) Estimate {
	lo, hi := BootstrapMedianCI(xs, level, resamples, seed)
	return Estimate{N: len(xs), Median: Median(xs), Mean: Mean(xs), Lo: lo, Hi: hi}
}
