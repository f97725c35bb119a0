package reports_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/embedded"
	"github.com/etlbench/etlbench/internal/testcluster"
	"github.com/etlbench/etlbench/reports"
	"github.com/etlbench/etlbench/reports/result"
)

// TestEmulatedNearData measures on the emulated network what near-data ETL
// buys. Over a 100 Mbit/s client link, inline md5 of 4 MiB objects (32
// bytes back per object) is at least 10x the throughput of client-etl-get
// (4 MiB over the link per object), with an interval over 3 repeats; echo
// moves as many bytes as the client-side GET and gains nothing like it.
// An offline echo job of 1 MiB objects sends the same bytes over node
// links with direct put on and off, as the hop model says (within 5%), and
// direct put takes the results' return hop off the source targets.
func TestEmulatedNearData(t *testing.T) {
	testcluster.SkipUnlessEmulated(t)
	client, err := embedded.ParseLink("rate=100Mbit")
	if err != nil {
		t.Fatal(err)
	}
	node, err := embedded.ParseLink("rate=1Gbit")
	if err != nil {
		t.Fatal(err)
	}
	tc := testcluster.Start(t, testcluster.Options{Targets: 3, Net: &embedded.NetSpec{Mode: embedded.NetEmulated, ClientLink: client, NodeLink: node}})
	load := func(out string, args ...string) *result.Result {
		t.Helper()
		args = append([]string{"load", "--cluster-dir", tc.Dir, "--display", "none", "--seed", "7"}, args...)
		if out != "" {
			args = append(args, "--out", out)
		}
		cmd := exec.Command(tc.Binary, args...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("etlbench %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		if out == "" {
			return nil
		}
		b, err := os.ReadFile(filepath.Join(out, "result.json"))
		if err != nil {
			t.Fatal(err)
		}
		var r result.Result
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if r.Costs == nil || len(r.Costs.Links) == 0 || r.Costs.Network != "links" {
			t.Fatalf("%s: costs without link counters: %+v", strings.Join(args, " "), r.Costs)
		}
		return &r
	}
	cell := func(r *result.Result, rep int, axes map[string]string) *result.Result {
		r.Cell, r.CellID, r.Repeat = axes, fmt.Sprint(axes), rep
		return r
	}
	load("", "--bucket", "big", "--op", "put", "--maxputs", "8", "--minsize", "4MiB", "--maxsize", "4MiB", "--duration", "0", "--numworkers", "4")
	load("", "--bucket", "mib", "--op", "put", "--maxputs", "30", "--minsize", "1MiB", "--maxsize", "1MiB", "--duration", "0", "--numworkers", "4")

	var rs []*result.Result
	for rep := 1; rep <= 3; rep++ {
		for _, tf := range []string{"md5", "echo"} {
			for _, op := range []string{result.OpETLGet, result.OpClientETLGet} {
				r := load(t.TempDir(), "--bucket", "big", "--op", op, "--etl", tf, "--duration", "3s", "--numworkers", "4")
				axes := map[string]string{"size": "4MiB", "transformer": tf, "op": op}
				if op == result.OpETLGet {
					axes["comm"], axes["direct_put"] = "hpush", "false"
				}
				rs = append(rs, cell(r, rep, axes))
			}
		}
		for _, dp := range []string{"true", "false"} {
			r := load(t.TempDir(), "--bucket", "mib", "--dst-bucket", "mib-out-"+dp, "--op", "etl-bucket", "--etl", "echo", "--direct-put="+dp)
			rs = append(rs, cell(r, rep, map[string]string{"comm": "hpush", "direct_put": dp, "size": "1MiB", "transformer": "echo", "op": "etl-bucket"}))
		}
	}
	dir := t.TempDir()
	rep, err := reports.Write(rs, dir, reports.Options{NoPlots: true})
	if err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	t.Logf("report:\n%s", md)
	near := map[string]reports.NearData{}
	for _, n := range rep.NearData {
		near[n.Near] = n
	}
	var md5, echo *reports.NearData
	for name, n := range near {
		n := n
		switch {
		case strings.Contains(name, "transformer=md5"):
			md5 = &n
		case strings.Contains(name, "transformer=echo"):
			echo = &n
		}
	}
	if md5 == nil || echo == nil {
		t.Fatalf("near-data pairs %+v: want md5 and echo", rep.NearData)
	}
	if float64(md5.ThrLo) < 10 || md5.NearOps.N != 3 {
		t.Errorf("inline md5 / client-etl-get: %.1fx [%.1f, %.1f] over %d repeats; want the interval at or above 10x",
			float64(md5.Throughput), float64(md5.ThrLo), float64(md5.ThrHi), md5.NearOps.N)
	}
	if float64(md5.Bytes) > 0.01 {
		t.Errorf("md5 near-data moved %.3g of the client-side bytes over the client link; want under 1%%", float64(md5.Bytes))
	}
	if float64(echo.Throughput) > 2 || float64(echo.Bytes) < 0.9 {
		t.Errorf("echo: throughput ratio %.2f, bytes ratio %.2f; want no gain (the output is the input)", float64(echo.Throughput), float64(echo.Bytes))
	}
	if len(rep.DirectPutCosts) != 1 {
		t.Fatalf("direct-put costs %+v", rep.DirectPutCosts)
	}
	d := rep.DirectPutCosts[0]
	for name, dev := range map[string]reports.Float{"on": d.DevNodeOn, "off": d.DevNodeOff, "saved": d.DevSaved} {
		if math.IsNaN(float64(dev)) || math.Abs(float64(dev)) > 0.05 {
			t.Errorf("bytes per object (%s) deviate %+.1f%% from the hop model: %+v", name, 100*float64(dev), d)
		}
	}
	if d.TargetOn.N != 3 || d.TargetOff.N != 3 || d.TargetOn.Median <= 0 {
		t.Errorf("source targets' CPU per object: on %+v, off %+v", d.TargetOn, d.TargetOff)
	}
}
