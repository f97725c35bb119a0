package reports

import (
	"math"
	"math/rand/v2"
	"slices"
)

// DefaultResamples is the number of bootstrap resamples used when none is given.
const DefaultResamples = 2000

// BootstrapMedianCI returns the percentile-bootstrap confidence interval of
// the median of xs at the given level (e.g. 0.95), from resamples resamples
// drawn with a generator seeded by seed, so equal inputs give equal
// intervals. With one sample the interval is that sample; with none, NaNs.
func BootstrapMedianCI(xs []float64, level float64, resamples int, seed uint64) (lo, hi float64) {
	return bootstrap1(xs, level, resamples, seed, sortedMedian)
}

// BootstrapRatioCI returns the bootstrap confidence interval of
// median(num)/median(den), resampling both samples independently.
func BootstrapRatioCI(num, den []float64, level float64, resamples int, seed uint64) (lo, hi float64) {
	return bootstrap2(num, den, level, resamples, seed, func(a, b float64) float64 { return a / b })
}

// BootstrapDeltaCI returns the bootstrap confidence interval of
// median(b)-median(a), resampling both samples independently.
func BootstrapDeltaCI(a, b []float64, level float64, resamples int, seed uint64) (lo, hi float64) {
	return bootstrap2(b, a, level, resamples, seed, func(mb, ma float64) float64 { return mb - ma })
}

func bootstrap1(xs []float64, level float64, resamples int, seed uint64, stat func(sorted []float64) float64) (lo, hi float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	if len(xs) == 1 {
		return xs[0], xs[0]
	}
	if resamples <= 0 {
		resamples = DefaultResamples
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	buf := make([]float64, len(xs))
	stats := make([]float64, resamples)
	for i := range stats {
		resample(rng, xs, buf)
		stats[i] = stat(buf)
	}
	return percentileInterval(stats, level)
}

func bootstrap2(a, b []float64, level float64, resamples int, seed uint64, f func(ma, mb float64) float64) (lo, hi float64) {
	if len(a) == 0 || len(b) == 0 {
		return math.NaN(), math.NaN()
	}
	if resamples <= 0 {
		resamples = DefaultResamples
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	bufA := make([]float64, len(a))
	bufB := make([]float64, len(b))
	stats := make([]float64, 0, resamples)
	for range resamples {
		resample(rng, a, bufA)
		resample(rng, b, bufB)
		v := f(sortedMedian(bufA), sortedMedian(bufB))
		if !math.IsNaN(v) {
			stats = append(stats, v)
		}
	}
	if len(stats) == 0 {
		return math.NaN(), math.NaN()
	}
	return percentileInterval(stats, level)
}

// resample fills buf with len(buf) draws with replacement from xs, sorted.
func resample(rng *rand.Rand, xs, buf []float64) {
	for j := range buf {
		buf[j] = xs[rng.IntN(len(xs))]
	}
	slices.Sort(buf)
}

// percentileInterval returns the (1-level)/2 and (1+level)/2 quantiles of
// stats (sorted in place), interpolating linearly between order statistics.
func percentileInterval(stats []float64, level float64) (lo, hi float64) {
	if level <= 0 || level >= 1 {
		level = 0.95
	}
	slices.Sort(stats)
	alpha := (1 - level) / 2
	return quantileSorted(stats, alpha), quantileSorted(stats, 1-alpha)
}

// quantileSorted is the q-quantile of sorted s (linear interpolation, R type 7).
func quantileSorted(s []float64, q float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(s)-1)
	i := int(math.Floor(pos))
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	frac := pos - float64(i)
	return s[i] + frac*(s[i+1]-s[i])
}
