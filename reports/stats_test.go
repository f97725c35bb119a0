package reports

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestMedianMean(t *testing.T) {
	cases := []struct {
		xs           []float64
		median, mean float64
	}{
		{[]float64{3}, 3, 3},
		{[]float64{5, 1, 3}, 3, 3},
		{[]float64{4, 1, 3, 2}, 2.5, 2.5},
		{[]float64{1, 1, 1, 100}, 1, 25.75},
	}
	for _, c := range cases {
		if got := Median(c.xs); got != c.median {
			t.Errorf("Median(%v) = %v, want %v", c.xs, got, c.median)
		}
		if got := Mean(c.xs); got != c.mean {
			t.Errorf("Mean(%v) = %v, want %v", c.xs, got, c.mean)
		}
	}
	if !math.IsNaN(Median(nil)) || !math.IsNaN(Mean(nil)) {
		t.Error("Median/Mean of nothing should be NaN")
	}
	xs := []float64{3, 1, 2}
	Median(xs)
	if xs[0] != 3 {
		t.Error("Median modified its input")
	}
}

// TestMannWhitneyTable checks U and the two-sided p-value against values
// from scipy.stats.mannwhitneyu (scipy 1.10, default arguments:
// method="auto", use_continuity=True).
func TestMannWhitneyTable(t *testing.T) {
	cases := []struct {
		x, y  []float64
		u, p  float64
		exact bool
	}{
		// scipy's documentation example (males vs females).
		{[]float64{19, 22, 16, 29, 24}, []float64{20, 11, 17, 12}, 17, 0.1111111111111111, true},
		{[]float64{1, 2, 3}, []float64{4, 5, 6}, 0, 0.1, true},
		{[]float64{1, 2, 3, 4, 5}, []float64{6, 7, 8, 9, 10}, 0, 0.007936507936507936, true},
		{[]float64{1.1, 2.2, 3.3, 4.4}, []float64{1.5, 2.5, 3.5, 4.5, 5.5, 6.5}, 6, 0.2571428571428571, true},
		{[]float64{10, 20, 30, 40, 50, 60, 70, 80, 90}, []float64{15, 25, 35, 45, 55, 65, 75, 85, 95, 105}, 36, 0.48766835345893045, false},
		{[]float64{1, 2, 2, 3, 4}, []float64{2, 3, 3, 5, 6, 7}, 6, 0.11390314458853068, false},
		{[]float64{5, 5, 5}, []float64{5, 5, 5}, 4.5, 1, false},
		{[]float64{3.1, 4.1, 5.9, 2.6, 5.3, 5.8, 9.7, 9.3}, []float64{2.3, 8.4, 6.2, 6.4, 3.3, 8.3, 2.7, 9.5, 0.2, 8.8, 4.1, 9.7}, 46, 0.9077994603155441, false},
		{[]float64{100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111}, []float64{80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91}, 144, 3.6584553538971e-05, false},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8}, []float64{9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28}, 0, 6.434789043484695e-07, true},
		{[]float64{0.5}, []float64{0.1, 0.2}, 2, 0.6666666666666666, true},
	}
	for _, c := range cases {
		got := MannWhitneyU(c.x, c.y)
		if got.U != c.u {
			t.Errorf("U(%v, %v) = %v, want %v", c.x, c.y, got.U, c.u)
		}
		if math.Abs(got.P-c.p) > 1e-12*max(1, c.p) {
			t.Errorf("p(%v, %v) = %.17g, want %.17g", c.x, c.y, got.P, c.p)
		}
		if got.Exact != c.exact {
			t.Errorf("exact(%v, %v) = %v, want %v", c.x, c.y, got.Exact, c.exact)
		}
		// Swapping the samples gives U2 and the same two-sided p.
		sw := MannWhitneyU(c.y, c.x)
		if sw.U != float64(len(c.x)*len(c.y))-c.u || math.Abs(sw.P-got.P) > 1e-12 {
			t.Errorf("swapped (%v, %v): U=%v p=%v", c.y, c.x, sw.U, sw.P)
		}
	}
	if r := MannWhitneyU(nil, []float64{1}); !math.IsNaN(r.P) {
		t.Errorf("empty sample: p = %v, want NaN", r.P)
	}
}

// TestExactUCDFBruteForce checks the exact distribution against a count over
// every assignment of ranks to the first sample.
func TestExactUCDFBruteForce(t *testing.T) {
	for n1 := 1; n1 <= 5; n1++ {
		for n2 := 1; n2 <= 6; n2++ {
			n := n1 + n2
			counts := make([]int, n1*n2+1)
			total := 0
			for mask := 0; mask < 1<<n; mask++ {
				if popcount(mask) != n1 {
					continue
				}
				// U = number of (x, y) pairs with x ranked above y.
				u, ysBelow := 0, 0
				for r := 0; r < n; r++ {
					if mask&(1<<r) != 0 {
						u += ysBelow
					} else {
						ysBelow++
					}
				}
				counts[u]++
				total++
			}
			cum := 0
			for u := 0; u <= n1*n2; u++ {
				cum += counts[u]
				want := float64(cum) / float64(total)
				if got := exactUCDF(n1, n2, u); math.Abs(got-want) > 1e-12 {
					t.Fatalf("exactUCDF(%d, %d, %d) = %v, want %v", n1, n2, u, got, want)
				}
			}
		}
	}
}

func popcount(x int) int {
	c := 0
	for ; x != 0; x &= x - 1 {
		c++
	}
	return c
}

// TestBootstrapCoverage draws samples from a normal distribution and checks
// that the 95% interval of the median covers the true median in roughly 95%
// of the trials.
func TestBootstrapCoverage(t *testing.T) {
	const trials, n = 200, 40
	rng := rand.New(rand.NewPCG(7, 11))
	covered := 0
	for trial := range trials {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = 100 + 15*rng.NormFloat64()
		}
		lo, hi := BootstrapMedianCI(xs, 0.95, DefaultResamples, uint64(trial))
		if lo > hi {
			t.Fatalf("interval [%v, %v] inverted", lo, hi)
		}
		if lo <= 100 && 100 <= hi {
			covered++
		}
	}
	cov := float64(covered) / trials
	t.Logf("coverage %.3f", cov)
	if cov < 0.88 || cov > 0.99 {
		t.Errorf("coverage %.3f outside [0.88, 0.99]", cov)
	}
}

func TestBootstrapDeterministicAndDegenerate(t *testing.T) {
	xs := []float64{1, 5, 2, 8, 3, 9, 4}
	lo1, hi1 := BootstrapMedianCI(xs, 0.95, 500, 42)
	lo2, hi2 := BootstrapMedianCI(xs, 0.95, 500, 42)
	if lo1 != lo2 || hi1 != hi2 {
		t.Errorf("same seed, different intervals: [%v,%v] vs [%v,%v]", lo1, hi1, lo2, hi2)
	}
	if m := Median(xs); lo1 > m || hi1 < m {
		t.Errorf("interval [%v,%v] misses the median %v", lo1, hi1, m)
	}
	if lo, hi := BootstrapMedianCI([]float64{7}, 0.95, 100, 1); lo != 7 || hi != 7 {
		t.Errorf("one sample: [%v,%v], want [7,7]", lo, hi)
	}
	if lo, _ := BootstrapMedianCI(nil, 0.95, 100, 1); !math.IsNaN(lo) {
		t.Errorf("no samples: lo = %v, want NaN", lo)
	}
	// Ratio of two constant samples is exact.
	if lo, hi := BootstrapRatioCI([]float64{6, 6, 6}, []float64{3, 3}, 0.95, 200, 1); lo != 2 || hi != 2 {
		t.Errorf("ratio CI = [%v,%v], want [2,2]", lo, hi)
	}
	if lo, hi := BootstrapDeltaCI([]float64{10, 10}, []float64{13, 13, 13}, 0.95, 200, 1); lo != 3 || hi != 3 {
		t.Errorf("delta CI = [%v,%v], want [3,3]", lo, hi)
	}
	// A clear shift: the delta interval excludes zero.
	a := []float64{100, 101, 99, 100.5, 99.5}
	b := []float64{120, 121, 119, 120.5, 119.5}
	if lo, hi := BootstrapDeltaCI(a, b, 0.95, 1000, 3); lo < 17 || hi > 23 {
		t.Errorf("delta CI = [%v,%v], want within [17,23]", lo, hi)
	}
}
