package scenarios

import (
	"strconv"

	"github.com/etlbench/etlbench/internal/bytesize"
)

// Size is a number of bytes. In scenario files it is written as a plain
// number of bytes (4096) or with a unit: binary KiB, MiB, GiB, TiB (powers
// of 1024), decimal KB, MB, GB, TB (powers of 1000), or B. Units are
// case-insensitive and may be separated from the number by a space.
type Size int64

// Binary and decimal byte units.
const (
	KiB Size = 1 << 10
	MiB Size = 1 << 20
	GiB Size = 1 << 30
	TiB Size = 1 << 40
)

// sizeUnits are the binary and decimal units; a fraction of a byte is refused.
var sizeUnits = bytesize.Units{
	List: []bytesize.Unit{
		{Suffix: "KiB", Bytes: int64(KiB)}, {Suffix: "MiB", Bytes: int64(MiB)}, {Suffix: "GiB", Bytes: int64(GiB)}, {Suffix: "TiB", Bytes: int64(TiB)},
		{Suffix: "KB", Bytes: 1000}, {Suffix: "MB", Bytes: 1000 * 1000}, {Suffix: "GB", Bytes: 1000 * 1000 * 1000}, {Suffix: "TB", Bytes: 1000 * 1000 * 1000 * 1000},
		{Suffix: "K", Bytes: int64(KiB)}, {Suffix: "M", Bytes: int64(MiB)}, {Suffix: "G", Bytes: int64(GiB)}, {Suffix: "T", Bytes: int64(TiB)},
		{Suffix: "B", Bytes: 1},
	},
	Names: "B, KiB, MiB, GiB, KB, MB, GB",
}

// ParseSize reads a size such as "4KiB", "1 MiB", "1GB" or "4096".
func ParseSize(s string) (Size, error) {
	n, err := sizeUnits.Parse(s)
	return Size(n), err
}

// String formats s in the shortest exact form: "64KiB", "1GB", "1000B".
func (s Size) String() string {
	if s == 0 {
		return "0B"
	}
	for _, u := range []struct {
		name string
		mult Size
	}{{"TiB", TiB}, {"GiB", GiB}, {"MiB", MiB}, {"KiB", KiB}, {"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}} {
		if s >= u.mult && s%u.mult == 0 {
			return strconv.FormatInt(int64(s/u.mult), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(s), 10) + "B"
}
