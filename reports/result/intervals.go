package result

import "iter"

// OpIntervals yields, in order, the index of every interval in which op
// has numbers and op's numbers there; warm-up intervals only withWarmup.
// The measured window of a run is OpIntervals(op, false).
func (r *Result) OpIntervals(op string, withWarmup bool) iter.Seq2[int, IntervalOp] {
	return func(yield func(int, IntervalOp) bool) {
		for i, iv := range r.Intervals {
			if iv.Warmup && !withWarmup {
				continue
			}
			if o, ok := iv.Ops[op]; ok && !yield(i, o) {
				return
			}
		}
	}
}
