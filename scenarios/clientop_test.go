package scenarios

import (
	"strings"
	"testing"

	"github.com/etlbench/etlbench/reports/result"
)

// TestClientOps: a client-side op has the transformer axis but no comm or
// direct_put, inits no ETL, and needs a built-in transformer.
func TestClientOps(t *testing.T) {
	s, err := Parse("client.yaml", []byte(`name: client
matrix:
  op: [etl-get, client-etl-get, client-etl-copy]
  comm: [hpush, ws]
  transformer: [md5, echo]
  size: [64KiB]
`))
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, c := range s.Points() {
		n[c.Op]++
		if result.IsClientOp(c.Op) {
			if c.UsesETL() || c.Axes[AxisComm] != "" || c.Axes[AxisDirectPut] != "" || c.Transformer == nil || c.Axes[AxisTransformer] == "" {
				t.Errorf("%s: UsesETL %v axes %v", c.ID, c.UsesETL(), c.Axes)
			}
		} else if !c.UsesETL() {
			t.Errorf("%s inits no ETL", c.ID)
		}
	}
	if n[result.OpETLGet] != 4 || n[result.OpClientETLGet] != 2 || n[result.OpClientETLCopy] != 2 {
		t.Errorf("cells by op %v, want etl-get 4 and 2 of each client op", n)
	}
	_, err = Parse("bad.yaml", []byte(`name: bad
transformers:
  - name: mine
    spec: mine.yaml
matrix:
  op: [client-etl-get]
  transformer: [mine]
`))
	if err == nil || !strings.Contains(err.Error(), `transformer "mine" is not a built-in`) {
		t.Errorf("a client-side op with a custom transformer: %v", err)
	}
}
