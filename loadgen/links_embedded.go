package loadgen

import (
	"context"

	"github.com/etlbench/etlbench/etlcore/embedded"
	"github.com/etlbench/etlbench/reports/result"
)

// EmbeddedLinkCounters reads the interface counters of the links of the
// emulated-network cluster st, for Config.LinkCounters; nil when st is
// nil or runs on loopback.
func EmbeddedLinkCounters(st *embedded.State) LinkCounterFunc {
	if st == nil || st.Net == nil {
		return nil
	}
	return func(ctx context.Context) ([]result.LinkBytes, error) {
		cs, err := st.ReadLinkCounters(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]result.LinkBytes, len(cs))
		for i, c := range cs {
			out[i] = result.LinkBytes{Link: c.Link, Rx: int64(c.RxBytes), Tx: int64(c.TxBytes)}
		}
		return out, nil
	}
}
