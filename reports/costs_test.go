package reports_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/reports"
	"github.com/etlbench/etlbench/reports/reportstest"
	"github.com/etlbench/etlbench/reports/result"
)

// TestCostSections: the report pairs near-data cells with their
// client-side twins and direct put on with off, and shows the costs.
func TestCostSections(t *testing.T) {
	md5 := map[string]string{"comm": "hpush", "direct_put": "false", "size": "4MiB", "transformer": "md5", "op": "etl-get"}
	cli := map[string]string{"size": "4MiB", "transformer": "md5", "op": "client-etl-get"}
	on := map[string]string{"comm": "hpush", "direct_put": "true", "size": "1MiB", "transformer": "echo", "op": "etl-bucket"}
	off := map[string]string{"comm": "hpush", "direct_put": "false", "size": "1MiB", "transformer": "echo", "op": "etl-bucket"}
	rs, err := reportstest.Results(
		reportstest.Cell{Axes: md5, Repeats: 3, OpsPerSec: 300, ObjSize: 32, Jitter: 0.02},
		reportstest.Cell{Axes: cli, Op: result.OpClientETLGet, Repeats: 3, OpsPerSec: 20, ObjSize: 4 << 20, Jitter: 0.02},
		reportstest.Cell{Axes: on, Op: result.OpETLBucket, Repeats: 3, OpsPerSec: 100, ObjSize: 1 << 20, Jitter: 0.02},
		reportstest.Cell{Axes: off, Op: result.OpETLBucket, Repeats: 3, OpsPerSec: 90, ObjSize: 1 << 20, Jitter: 0.02},
	)
	if err != nil {
		t.Fatal(err)
	}
	share := 2.0 / 3
	for _, r := range rs {
		c := &result.Costs{Network: "nodes", Objects: 1000, MiB: 1000}
		switch r.Cell["op"] {
		case result.OpETLGet:
			c.PerObject = result.CostPerObject{ClientLinkBytes: 400, CPUUS: map[string]float64{"targets": 500}}
		case result.OpClientETLGet:
			c.PerObject = result.CostPerObject{ClientLinkBytes: 4<<20 + 300, CPUUS: map[string]float64{"targets": 900}}
		case result.OpETLBucket:
			s := share
			c.DstRemoteShare = &s
			node := share*(1<<20) + 500
			tf, cpu := float64(1<<20), 2000.0
			if r.Cell["direct_put"] == "true" {
				tf, cpu = (1-share)*(1<<20)+300, 1200
			}
			c.PerObject = result.CostPerObject{NodeLinkBytes: node, TransformerBytes: tf, CPUUS: map[string]float64{"targets": cpu}}
		}
		r.Costs = c
	}
	dir := t.TempDir()
	rep, err := reports.Write(rs, dir, reports.Options{NoPlots: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.NearData) != 1 || len(rep.DirectPutCosts) != 1 {
		t.Fatalf("near-data %+v, direct-put costs %+v", rep.NearData, rep.DirectPutCosts)
	}
	nd := rep.NearData[0]
	if r := float64(nd.Throughput); r < 14 || r > 16 || float64(nd.ThrLo) > r || float64(nd.ThrHi) < r {
		t.Errorf("throughput ratio %.2f [%.2f, %.2f], want about 15", r, float64(nd.ThrLo), float64(nd.ThrHi))
	}
	if b := float64(nd.Bytes); b > 0.001 || b <= 0 {
		t.Errorf("bytes ratio %g, want 400/4MiB", b)
	}
	d := rep.DirectPutCosts[0]
	if dev := float64(d.DevNodeOn); dev < 0 || dev > 0.01 {
		t.Errorf("node-link bytes on deviate %+.2f%% from the model", 100*dev)
	}
	if dev := float64(d.DevSaved); dev > 0.01 || dev < -0.01 {
		t.Errorf("saved transformer bytes deviate %+.2f%% from the model", 100*dev)
	}
	if r := float64(d.TargetCPURatio); r < 0.59 || r > 0.61 {
		t.Errorf("target CPU on/off %.3f, want 0.6", r)
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Costs per object", "## Near-data vs client-side", "## Direct put: bytes and CPU per object", "| 4.00 MiB |"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
}

// TestCompareCosts: compare (and so gate) takes the costs per object as
// metrics, lower being better.
func TestCompareCosts(t *testing.T) {
	mk := func(cpu float64) []*result.Result {
		rs, err := reportstest.Results(reportstest.Cell{Axes: map[string]string{"op": "get", "size": "1MiB"}, Op: result.OpGet, Repeats: 3, Jitter: 0.01})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rs {
			r.Costs = &result.Costs{Objects: 100, PerObject: result.CostPerObject{CPUUS: map[string]float64{"targets": cpu + float64(i)}, ClientLinkBytes: 1 << 20}}
		}
		return rs
	}
	cmp, err := reports.Compare(mk(100), mk(80), reports.CompareOptions{Metrics: []string{"target_cpu_us", "client_link_bytes"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cmp.Rows) != 2 {
		t.Fatalf("rows %+v", cmp.Rows)
	}
	for _, r := range cmp.Rows {
		switch r.Metric {
		case "target_cpu_us":
			if r.A.Median != 101 || r.B.Median != 81 || !r.Better {
				t.Errorf("target CPU row %+v: want 101 -> 81, better", r)
			}
		case "client_link_bytes":
			if float64(r.Delta) != 0 {
				t.Errorf("client link row %+v: want no change", r)
			}
		}
	}
}
