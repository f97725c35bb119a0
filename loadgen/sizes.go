package loadgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/etlbench/etlbench/internal/bytesize"
)

// WeightedSize is one entry of a fixed size list: objects of Size bytes are
// picked with probability Weight / (sum of weights).
type WeightedSize struct {
	Size   int64 `json:"size"`
	Weight int   `json:"weight"`
}

// SizeDist is the size distribution of the objects a run writes: uniform
// between Min and Max (inclusive), or, when Weighted is not empty, one of a
// fixed list of sizes by weight.
type SizeDist struct {
	Min, Max int64
	Weighted []WeightedSize
}

// Fixed returns the distribution of objects of exactly n bytes.
func Fixed(n int64) SizeDist { return SizeDist{Min: n, Max: n} }

// Validate checks d and says what is wrong.
func (d SizeDist) Validate() error {
	if len(d.Weighted) > 0 {
		total := 0
		for _, w := range d.Weighted {
			if w.Size < 0 {
				return fmt.Errorf("size list: negative size %d", w.Size)
			}
			if w.Weight <= 0 {
				return fmt.Errorf("size list: weight of size %d must be > 0, got %d", w.Size, w.Weight)
			}
			if total > math.MaxInt32-w.Weight {
				return fmt.Errorf("size list: weights too large")
			}
			total += w.Weight
		}
		return nil
	}
	if d.Min < 0 || d.Max < 0 {
		return fmt.Errorf("object sizes must be >= 0 (minsize %d, maxsize %d)", d.Min, d.Max)
	}
	if d.Min > d.Max {
		return fmt.Errorf("minsize %d is larger than maxsize %d", d.Min, d.Max)
	}
	return nil
}

// Pick draws one size.
func (d SizeDist) Pick(r *rand.Rand) int64 {
	if len(d.Weighted) > 0 {
		total := 0
		for _, w := range d.Weighted {
			total += w.Weight
		}
		n := r.IntN(total)
		for _, w := range d.Weighted {
			if n < w.Weight {
				return w.Size
			}
			n -= w.Weight
		}
		return d.Weighted[len(d.Weighted)-1].Size
	}
	if d.Max <= d.Min {
		return d.Min
	}
	return d.Min + r.Int64N(d.Max-d.Min+1)
}

// Mean returns the expected size.
func (d SizeDist) Mean() float64 {
	if len(d.Weighted) > 0 {
		var sum, tw float64
		for _, w := range d.Weighted {
			sum += float64(w.Size) * float64(w.Weight)
			tw += float64(w.Weight)
		}
		return sum / tw
	}
	return (float64(d.Min) + float64(d.Max)) / 2
}

// String renders d the way the flags take it.
func (d SizeDist) String() string {
	if len(d.Weighted) > 0 {
		parts := make([]string, len(d.Weighted))
		for i, w := range d.Weighted {
			parts[i] = FormatSize(w.Size) + ":" + strconv.Itoa(w.Weight)
		}
		return strings.Join(parts, ",")
	}
	if d.Min == d.Max {
		return FormatSize(d.Min)
	}
	return FormatSize(d.Min) + ".." + FormatSize(d.Max)
}

// sizeUnits are aisloader's: every unit a power of 1024, fractions rounded.
var sizeUnits = bytesize.Units{
	List: []bytesize.Unit{
		{Suffix: "TiB", Bytes: 1 << 40}, {Suffix: "GiB", Bytes: 1 << 30}, {Suffix: "MiB", Bytes: 1 << 20}, {Suffix: "KiB", Bytes: 1 << 10},
		{Suffix: "TB", Bytes: 1 << 40}, {Suffix: "GB", Bytes: 1 << 30}, {Suffix: "MB", Bytes: 1 << 20}, {Suffix: "KB", Bytes: 1 << 10},
		{Suffix: "T", Bytes: 1 << 40}, {Suffix: "G", Bytes: 1 << 30}, {Suffix: "M", Bytes: 1 << 20}, {Suffix: "K", Bytes: 1 << 10},
		{Suffix: "B", Bytes: 1},
	},
	Names: "B, KiB, MiB, GiB, TiB",
	Round: true,
}

// ParseSize parses a byte size: a plain number of bytes or a number with a
// unit (B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB; all units are powers of
// 1024, as in aisloader). Fractions are allowed with a unit ("1.5MiB").
func ParseSize(s string) (int64, error) { return sizeUnits.Parse(s) }

// FormatSize renders n with the largest binary unit that divides it.
func FormatSize(n int64) string {
	for _, u := range []struct {
		s string
		m int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.m && n%u.m == 0 {
			return strconv.FormatInt(n/u.m, 10) + u.s
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

// ParseSizeList parses a weighted size list "4KiB:3,1MiB:1" (a missing
// weight is 1).
func ParseSizeList(s string) ([]WeightedSize, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []WeightedSize
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, fmt.Errorf("size list %q: empty entry", s)
		}
		sz, wt, hasW := strings.Cut(item, ":")
		n, err := ParseSize(sz)
		if err != nil {
			return nil, fmt.Errorf("size list %q: %w", s, err)
		}
		w := 1
		if hasW {
			w, err = strconv.Atoi(strings.TrimSpace(wt))
			if err != nil || w <= 0 {
				return nil, fmt.Errorf("size list %q: weight %q of %s must be a positive integer", s, wt, sz)
			}
		}
		out = append(out, WeightedSize{Size: n, Weight: w})
	}
	return out, nil
}
