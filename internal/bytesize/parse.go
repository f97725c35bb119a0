// Package bytesize reads byte sizes written as a number with an optional
// unit ("4096", "4KiB", "1.5 MiB"); each caller names its own units.
package bytesize

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Unit is a size suffix and the bytes it stands for.
type Unit struct {
	Suffix string
	Bytes  int64
}

// Units is a set of size units and how a size written with them is read.
type Units struct {
	// List is matched in order, case-insensitively, against the end of a
	// size: longer suffixes go first so that "KiB" is not read as "B".
	List []Unit
	// Names lists the units for error messages ("B, KiB, MiB").
	Names string
	// Round rounds a fraction of a byte ("0.3KiB") to the nearest byte;
	// without it such a size is refused.
	Round bool
}

// Parse reads s: a plain number of bytes, or a number (a fraction too)
// followed by one of the units, with or without a space between.
func (u Units) Parse(s string) (int64, error) {
	num := strings.TrimSpace(s)
	if num == "" {
		return 0, fmt.Errorf("empty size")
	}
	mult := int64(1)
	lower := strings.ToLower(num)
	for _, unit := range u.List {
		if strings.HasSuffix(lower, strings.ToLower(unit.Suffix)) {
			mult, num = unit.Bytes, strings.TrimSpace(num[:len(num)-len(unit.Suffix)])
			break
		}
	}
	if num == "" {
		return 0, fmt.Errorf("size %q has no number", s)
	}
	if n, err := strconv.ParseInt(num, 10, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("size %q is negative", s)
		}
		if n > math.MaxInt64/mult {
			return 0, fmt.Errorf("size %q is too large", s)
		}
		return n * mult, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("bad size %q: want a number of bytes with an optional unit (%s)", s, u.Names)
	}
	if f < 0 {
		return 0, fmt.Errorf("size %q is negative", s)
	}
	v := f * float64(mult)
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	if u.Round {
		return int64(math.Round(v)), nil
	}
	if v != math.Trunc(v) {
		return 0, fmt.Errorf("size %q is not a whole number of bytes", s)
	}
	return int64(v), nil
}
