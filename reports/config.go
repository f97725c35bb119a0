package reports

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/etlbench/etlbench/reports/result"
)

// DefaultIgnoredKeys are Config keys that may differ between two results
// of the same configuration (where the output went, the seed, how the
// cluster was reached): compare and gate never refuse for them.
var DefaultIgnoredKeys = []string{
	"seed", "out", "o", "output", "repeat", "proxy", "cluster-dir", "auth-token",
	"json", "statsinterval", "quiet", "verbose", "no-progress", "progress",
}

// ConfigMismatch is one configuration key that differs between the two
// sides of a comparison for a matched cell.
type ConfigMismatch struct {
	Cell string `json:"cell"`
	Key  string `json:"key"`
	A    string `json:"a"`
	B    string `json:"b"`
}

func (m ConfigMismatch) String() string {
	return fmt.Sprintf("cell %q: %s: %s, %s", m.Cell, m.Key, showValue(m.A), showValue(m.B))
}

func showValue(v string) string {
	if v == "\x00" {
		return "(not set)"
	}
	return fmt.Sprintf("%q", v)
}

// MismatchError refuses a comparison of results whose configurations differ.
type MismatchError struct {
	LabelA, LabelB string
	Mismatches     []ConfigMismatch
}

func (e *MismatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "configurations differ between %s and %s (use --force to compare anyway, or --ignore KEY): ", e.LabelA, e.LabelB)
	for i, m := range e.Mismatches {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more", len(e.Mismatches)-5)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "cell %q: key %q is %s in %s but %s in %s", m.Cell, m.Key, showValue(m.A), e.LabelA, showValue(m.B), e.LabelB)
	}
	return b.String()
}

// comparableConfig is the configuration of r that must match: its Config
// without ignored keys, plus the cluster shape, load model and ETL spec.
func comparableConfig(r *result.Result, ignored map[string]bool) map[string]string {
	out := map[string]string{}
	for k, v := range r.Config {
		if !ignored[k] {
			out[k] = v
		}
	}
	extra := map[string]string{
		"cluster.kind":       r.Cluster.Kind,
		"cluster.targets":    fmt.Sprint(r.Cluster.Targets),
		"cluster.mountpaths": fmt.Sprint(r.Cluster.Mountpaths),
		"cluster.network":    r.Cluster.Network,
		"model":              r.Model,
		"workers":            fmt.Sprint(r.Workers),
		"rate":               fmt.Sprintf("%g", r.Rate),
		"spec_hash":          r.SpecHash,
	}
	for k, v := range extra {
		if _, set := out[k]; !set && !ignored[k] {
			out[k] = v
		}
	}
	return out
}

// configMismatches lists the keys whose values differ between the first
// repeats of every matched pair of series.
func configMismatches(pairs []seriesPair, ignore []string) []ConfigMismatch {
	ignored := map[string]bool{}
	for _, k := range DefaultIgnoredKeys {
		ignored[k] = true
	}
	for _, k := range ignore {
		ignored[strings.TrimSpace(k)] = true
	}
	var out []ConfigMismatch
	seen := map[string]bool{}
	for _, p := range pairs {
		if seen[p.a.cellKey] {
			continue
		}
		seen[p.a.cellKey] = true
		ca := comparableConfig(p.a.results[0], ignored)
		cb := comparableConfig(p.b.results[0], ignored)
		keys := map[string]bool{}
		for k := range ca {
			keys[k] = true
		}
		for k := range cb {
			keys[k] = true
		}
		sorted := slices.Sorted(maps.Keys(keys))
		for _, k := range sorted {
			va, oka := ca[k]
			vb, okb := cb[k]
			if !oka {
				va = "\x00"
			}
			if !okb {
				vb = "\x00"
			}
			if va != vb {
				out = append(out, ConfigMismatch{Cell: p.a.cell, Key: k, A: va, B: vb})
			}
		}
	}
	return out
}

// seriesPair is a series present on both sides, with its index on each.
type seriesPair struct {
	a, b   *series
	ia, ib int
}

// values returns metric m's per-repeat values of both sides.
func (p seriesPair) values(m Metric) (va, vb []float64, err error) {
	if va, err = p.a.values(m); err != nil {
		return nil, nil, err
	}
	if vb, err = p.b.values(m); err != nil {
		return nil, nil, err
	}
	return va, vb, nil
}

// matchSeries pairs the series of a and b by key, in a's order, and names
// the series found on one side only. With ignoreAxes, series are matched
// by their axes without those (so that, e.g., transformer=echo in a
// matches transformer=fault in b); two series of one side that become the
// same are an error.
func matchSeries(a, b *analysis, ignoreAxes []string) (pairs []seriesPair, onlyA, onlyB []string, err error) {
	keyA, err := matchKeys(a, ignoreAxes)
	if err != nil {
		return nil, nil, nil, err
	}
	keyB, err := matchKeys(b, ignoreAxes)
	if err != nil {
		return nil, nil, nil, err
	}
	idx := map[string]int{}
	for i := range b.series {
		idx[keyB[i]] = i
	}
	used := map[int]bool{}
	for i, s := range a.series {
		j, ok := idx[keyA[i]]
		if !ok {
			onlyA = append(onlyA, s.name())
			continue
		}
		used[j] = true
		pairs = append(pairs, seriesPair{a: s, b: b.series[j], ia: i, ib: j})
	}
	for j, s := range b.series {
		if !used[j] {
			onlyB = append(onlyB, s.name())
		}
	}
	return pairs, onlyA, onlyB, nil
}

// matchKeys returns the key of every series of a for matching.
func matchKeys(a *analysis, ignoreAxes []string) ([]string, error) {
	keys := make([]string, len(a.series))
	seen := map[string]int{}
	for i, s := range a.series {
		keys[i] = s.key
		if len(ignoreAxes) > 0 && len(s.axes) > 0 {
			keys[i] = axesKey(without(s.axes, ignoreAxes...), ",") + "|" + s.op
		}
		if j, dup := seen[keys[i]]; dup {
			return nil, fmt.Errorf("ignoring axes %s makes two cells of one side the same: %s and %s",
				strings.Join(ignoreAxes, ", "), a.series[j].name(), s.name())
		}
		seen[keys[i]] = i
	}
	return keys, nil
}
