package loadgen

import (
	"strings"
	"testing"

	"github.com/etlbench/etlbench/reports/result"
)

func TestParseProm(t *testing.T) {
	in := `# HELP etlcore_net_bytes_total x
etlcore_net_bytes_total{node="t1",conn="client",dir="rx"} 1234
other_metric 5
# etlcore_transformer metrics of e1 on t1 not available: no API
etlcore_process_cpu_seconds_total{node="t1",role="target"} 1.5e+00
etlcore_goroutines{target="a,\"b}"} 7
`
	s, notes, err := parseProm(strings.NewReader(in), "etlcore_")
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 3 || s[0].labels["conn"] != "client" || s[0].value != 1234 || s[1].value != 1.5 || s[2].labels["target"] != `a,"b}` {
		t.Errorf("samples %+v", s)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "not available: no API") {
		t.Errorf("notes %q", notes)
	}
	for _, bad := range []string{`etlcore_x{a="b"`, `etlcore_x{a=b} 1`, `etlcore_x 1x`, `etlcore_x`} {
		if _, _, err := parseProm(strings.NewReader(bad), "etlcore_"); err == nil || !strings.Contains(err.Error(), "etlcore_x") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestSummaryShowsCosts: the printed summary has the costs per object and
// every process, and says what was not available.
func TestSummaryShowsCosts(t *testing.T) {
	res := &result.Result{Model: "closed", Summary: map[string]result.OpSummary{OpGet: {Ops: 10}}, Costs: &result.Costs{
		WindowSec: 2, Objects: 10,
		Roles: []result.RoleCost{
			{Role: result.RoleTarget, ID: "t1", CPUSeconds: 0.5, CPUUSPerObject: 50000, PeakRSSBytes: 30 << 20, Net: map[string]result.NetBytes{"client": {Rx: 100, Tx: 5 << 20}}},
			{Role: result.RoleTransformer, ID: "t1/e", NotAvailable: "no metrics API"},
		},
		PerObject:    result.CostPerObject{CPUUS: map[string]float64{result.GroupTargets: 50000}, ClientLinkBytes: 512 << 10},
		NotAvailable: []string{"transformer t1/e: no metrics API", "link counters: ip failed"},
	}}
	var sb strings.Builder
	writeSummary(&sb, res, false)
	out := sb.String()
	for _, want := range []string{"costs over 2.0s, 10 objects", "targets 50.00ms", "client link 512.00KiB", "target      t1", "5.00MiB", "not available: no metrics API", "not available: link counters: ip failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}
