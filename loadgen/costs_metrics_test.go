package loadgen

import (
	"strings"
	"testing"
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
