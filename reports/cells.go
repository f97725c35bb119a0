package reports

import (
	"hash/fnv"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/etlbench/etlbench/reports/result"
)

// Axis names of the run matrix that the report knows about.
const (
	AxisComm        = "comm"
	AxisDirectPut   = "direct_put"
	AxisSize        = "size"
	AxisTransformer = "transformer"
	AxisOp          = "op"
)

// axisOrder is the display order of well-known axes; others follow sorted.
var axisOrder = []string{AxisCluster, AxisComm, AxisDirectPut, AxisSize, AxisTransformer, AxisOp}

// configIgnored are Config keys that differ between runs of the same cell
// and so are left out of the fallback cell key.
var configIgnored = map[string]bool{"seed": true, "out": true, "repeat": true}

// opOrder is the display order of operations.
var opOrder = []string{result.OpGet, result.OpPut, result.OpETLGet, result.OpClientETLGet, result.OpETLCopy, result.OpETLBucket, result.OpETLMulti, result.OpClientETLCopy}

// CellKey returns the key that groups r with the other repeats of its cell:
// r.CellID, else a stable key of r.Cell, else of r.Config without seed, out
// and repeat.
func CellKey(r *result.Result) string {
	if r.CellID != "" {
		return r.CellID
	}
	if len(r.Cell) > 0 {
		return axesKey(r.Cell, ",")
	}
	cfg := make(map[string]string, len(r.Config))
	for k, v := range r.Config {
		if !configIgnored[k] {
			cfg[k] = v
		}
	}
	return axesKey(cfg, ",")
}

// Axes returns the matrix axes of r: r.Cell, else the well-known axes found
// in r.Config (comm, direct-put, size, transformer, op).
func Axes(r *result.Result) map[string]string {
	if len(r.Cell) > 0 {
		return r.Cell
	}
	out := map[string]string{}
	for k, v := range r.Config {
		switch k {
		case "comm", "op", "size", "transformer":
			out[k] = v
		case "direct-put", "direct_put":
			out[AxisDirectPut] = v
		}
	}
	return out
}

// orderedKeys returns the keys of m in display order.
func orderedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for _, k := range axisOrder {
		if _, ok := m[k]; ok {
			keys = append(keys, k)
		}
	}
	var rest []string
	for k := range m {
		if !slices.Contains(axisOrder, k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(keys, rest...)
}

// axesKey renders m as k=v pairs in display order joined by sep.
func axesKey(m map[string]string, sep string) string {
	parts := make([]string, 0, len(m))
	for _, k := range orderedKeys(m) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, sep)
}

// without returns a copy of m without the given keys.
func without(m map[string]string, keys ...string) map[string]string {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]string{}
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// series is one operation of one cell over its repeats.
type series struct {
	key     string            // cellKey + "|" + op
	cellKey string            // CellKey of the results
	cell    string            // display name of the cell
	axes    map[string]string // matrix axes
	op      string
	results []*result.Result // the repeats, in repeat order
}

// name is the series' display name: the cell and the op.
func (s *series) name() string {
	if s.cell == "" {
		return "op=" + s.op
	}
	return s.cell + " op=" + s.op
}

// seed derives a bootstrap seed for this series from the base seed, so that
// intervals do not depend on the order series are processed in.
func (s *series) seed(base int64) uint64 {
	return hashSeed(base, s.key)
}

func hashSeed(base int64, key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return h.Sum64() ^ uint64(base)
}

// groupSeries groups results into series, one per cell and operation, in
// a stable order (cells by display name, operations in opOrder).
func groupSeries(results []*result.Result) []*series {
	byKey := map[string]*series{}
	for _, r := range results {
		ck := CellKey(r)
		axes := Axes(r)
		// The op is shown on its own: leave it out of the cell's name.
		cell := axesKey(without(axes, AxisOp), " ")
		if len(axes) == 0 {
			cell = ck
		}
		for _, op := range resultOps(r) {
			k := ck + "|" + op
			s := byKey[k]
			if s == nil {
				s = &series{key: k, cellKey: ck, cell: cell, axes: axes, op: op}
				byKey[k] = s
			}
			s.results = append(s.results, r)
		}
	}
	out := make([]*series, 0, len(byKey))
	for _, s := range byKey {
		sort.SliceStable(s.results, func(i, j int) bool { return s.results[i].Repeat < s.results[j].Repeat })
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if c := compareAxes(out[i].axes, out[j].axes); c != 0 {
			return c < 0
		}
		if out[i].cell != out[j].cell {
			return lessNatural(out[i].cell, out[j].cell)
		}
		return opRank(out[i].op) < opRank(out[j].op)
	})
	return out
}

// compareAxes orders cells by their axes in display order: a cell without
// an axis first, communication modes as hpush, hpull, ws, and other values
// naturally (sizes by bytes).
func compareAxes(a, b map[string]string) int {
	union := maps.Clone(a)
	if union == nil {
		union = map[string]string{}
	}
	maps.Copy(union, b)
	for _, k := range orderedKeys(union) {
		va, oka := a[k]
		vb, okb := b[k]
		switch {
		case !oka && !okb:
			continue
		case !oka:
			return -1
		case !okb:
			return 1
		case va == vb:
			continue
		}
		if k == AxisComm {
			ra, rb := slices.Index(knownCommOrder, va), slices.Index(knownCommOrder, vb)
			if ra >= 0 && rb >= 0 {
				return ra - rb
			}
		}
		if lessNatural(va, vb) {
			return -1
		}
		return 1
	}
	return 0
}

// resultOps returns the operations r measured, in opOrder: those in its
// summary, else those in its intervals; an operation with neither ops nor
// errors is left out.
func resultOps(r *result.Result) []string {
	set := map[string]bool{}
	for op, s := range r.Summary {
		if s.Ops > 0 || s.Errors > 0 {
			set[op] = true
		}
	}
	if len(r.Summary) == 0 {
		for _, iv := range r.Intervals {
			for op, o := range iv.Ops {
				if o.Ops > 0 || o.Errors > 0 {
					set[op] = true
				}
			}
		}
	}
	ops := slices.Collect(maps.Keys(set))
	sort.Slice(ops, func(i, j int) bool {
		if opRank(ops[i]) != opRank(ops[j]) {
			return opRank(ops[i]) < opRank(ops[j])
		}
		return ops[i] < ops[j]
	})
	return ops
}

func opRank(op string) int {
	if i := slices.Index(opOrder, op); i >= 0 {
		return i
	}
	return len(opOrder)
}

// lessNatural compares strings so that embedded numbers sort by value
// ("size=4KiB" before "size=64KiB").
func lessNatural(a, b string) bool {
	for a != "" && b != "" {
		na, ra := leadingNumber(a)
		nb, rb := leadingNumber(b)
		if na != "" && nb != "" {
			fa, _ := strconv.ParseFloat(na, 64)
			fb, _ := strconv.ParseFloat(nb, 64)
			ma, ra2 := sizeUnit(ra)
			mb, rb2 := sizeUnit(rb)
			if ma > 0 && mb > 0 {
				fa, fb, ra, rb = fa*ma, fb*mb, ra2, rb2
			}
			if fa != fb {
				return fa < fb
			}
			a, b = ra, rb
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

// sizeUnit reads a size unit (B, KiB, KB, k, MiB, ...) at the start of s
// and returns its multiplier and the rest, or 0 when there is none.
func sizeUnit(s string) (float64, string) {
	units := []struct {
		u string
		m float64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"k", 1 << 10}, {"B", 1},
	}
	for _, u := range units {
		if strings.HasPrefix(s, u.u) {
			return u.m, s[len(u.u):]
		}
	}
	return 0, s
}

func leadingNumber(s string) (num, rest string) {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' && i > 0) {
		i++
	}
	return s[:i], s[i:]
}

// parseBoolAxis parses a direct_put axis value (true/false, on/off, yes/no, 1/0).
func parseBoolAxis(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "on", "yes", "1", "t":
		return true, true
	case "false", "off", "no", "0", "f":
		return false, true
	}
	return false, false
}
