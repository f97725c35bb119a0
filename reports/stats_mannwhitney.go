package reports

import (
	"math"
	"slices"
)

// MannWhitney is the result of a two-sided Mann-Whitney U test.
type MannWhitney struct {
	U     float64 // U statistic of the first sample (number of pairs x > y, ties count 1/2)
	P     float64 // two-sided p-value; NaN when a sample is empty
	Exact bool    // P is from the exact distribution (else: normal approximation)
}

// exactMaxSmall is the size of the smaller sample up to which the exact
// distribution is used when there are no ties (as scipy's method="auto").
const exactMaxSmall = 8

// MannWhitneyU runs the two-sided Mann-Whitney U test of x against y.
// Without ties and with the smaller sample of at most 8 values, the p-value
// comes from the exact distribution of U; otherwise from the normal
// approximation with tie correction and continuity correction (the values
// scipy.stats.mannwhitneyu gives with its defaults).
func MannWhitneyU(x, y []float64) MannWhitney {
	n1, n2 := len(x), len(y)
	if n1 == 0 || n2 == 0 {
		return MannWhitney{U: math.NaN(), P: math.NaN()}
	}
	type obs struct {
		v     float64
		fromX bool
	}
	all := make([]obs, 0, n1+n2)
	for _, v := range x {
		all = append(all, obs{v, true})
	}
	for _, v := range y {
		all = append(all, obs{v, false})
	}
	slices.SortFunc(all, func(a, b obs) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	// Mid-ranks, the rank sum of x and the tie term sum(t^3 - t).
	var r1, tieTerm float64
	ties := false
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		t := float64(j - i)
		rank := float64(i+j+1) / 2 // mean of ranks i+1 .. j
		for k := i; k < j; k++ {
			if all[k].fromX {
				r1 += rank
			}
		}
		if t > 1 {
			ties = true
			tieTerm += t*t*t - t
		}
		i = j
	}
	fn1, fn2 := float64(n1), float64(n2)
	u1 := r1 - fn1*(fn1+1)/2
	u2 := fn1*fn2 - u1
	res := MannWhitney{U: u1}
	if !ties && min(n1, n2) <= exactMaxSmall {
		res.Exact = true
		res.P = min(1, 2*exactUCDF(n1, n2, int(math.Round(min(u1, u2)))))
		return res
	}
	n := fn1 + fn2
	mu := fn1 * fn2 / 2
	sigma := math.Sqrt(fn1 * fn2 / 12 * ((n + 1) - tieTerm/(n*(n-1))))
	if sigma == 0 || math.IsNaN(sigma) {
		res.P = 1
		return res
	}
	z := (max(u1, u2) - mu - 0.5) / sigma
	res.P = min(1, max(0, math.Erfc(z/math.Sqrt2)))
	return res
}

// exactUCDF returns P(U <= u) under the null hypothesis for samples of sizes
// n1 and n2 without ties. The number of arrangements with U = k is the
// coefficient of q^k in the Gaussian binomial [n1+n2 choose n1]_q, built up
// with the recurrence f(i, j) = q^j f(i-1, j) + f(i, j-1).
func exactUCDF(n1, n2, u int) float64 {
	if u < 0 {
		return 0
	}
	if n1 > n2 {
		n1, n2 = n2, n1
	}
	// prev[i] is f(i, j-1), cur[i] is f(i, j), as coefficient slices.
	prev := make([][]float64, n1+1)
	for i := range prev {
		prev[i] = []float64{1} // f(i, 0) = 1: one arrangement, U = 0
	}
	for j := 1; j <= n2; j++ {
		cur := make([][]float64, n1+1)
		cur[0] = []float64{1}
		for i := 1; i <= n1; i++ {
			c := make([]float64, i*j+1)
			for k, v := range prev[i] { // f(i, j-1)
				c[k] += v
			}
			for k, v := range cur[i-1] { // q^j f(i-1, j)
				c[k+j] += v
			}
			cur[i] = c
		}
		prev = cur
	}
	f := prev[n1]
	var total, below float64
	for k, v := range f {
		total += v
		if k <= u {
			below += v
		}
	}
	return below / total
}
