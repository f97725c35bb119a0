package result

import (
	"slices"
	"testing"
)

func TestOpIntervals(t *testing.T) {
	r := &Result{Intervals: []Interval{
		{Warmup: true, Ops: map[string]IntervalOp{OpGet: {Ops: 1}}},
		{Ops: map[string]IntervalOp{OpGet: {Ops: 2}, OpPut: {Ops: 20}}},
		{Ops: map[string]IntervalOp{OpPut: {Ops: 30}}},
		{Ops: map[string]IntervalOp{OpGet: {Ops: 4}}},
	}}
	collect := func(op string, warm bool) (idx []int, ops []int64) {
		for i, o := range r.OpIntervals(op, warm) {
			idx, ops = append(idx, i), append(ops, o.Ops)
		}
		return idx, ops
	}
	if idx, ops := collect(OpGet, false); !slices.Equal(idx, []int{1, 3}) || !slices.Equal(ops, []int64{2, 4}) {
		t.Errorf("get, measured: intervals %v ops %v; want [1 3] [2 4]", idx, ops)
	}
	if idx, ops := collect(OpGet, true); !slices.Equal(idx, []int{0, 1, 3}) || !slices.Equal(ops, []int64{1, 2, 4}) {
		t.Errorf("get, with warm-up: intervals %v ops %v; want [0 1 3] [1 2 4]", idx, ops)
	}
	if idx, _ := collect(OpList, true); idx != nil {
		t.Errorf("list: intervals %v; want none", idx)
	}
	for i := range r.OpIntervals(OpGet, true) {
		if i != 0 {
			t.Fatalf("break after the first: got to interval %d", i)
		}
		break
	}
}
