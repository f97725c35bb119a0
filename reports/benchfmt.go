package reports

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/etlbench/etlbench/reports/result"
)

// writeBench writes one Go benchmark line per repeat of every series, with
// file-level configuration lines first, so that benchstat can read it:
//
//	BenchmarkETL/comm=hpush/direct_put=true/size=64KiB/op=etl-get-2 1 218978 ns/op 4.79 MB/s 4567 ops/s 890 p99-us ...
func writeBench(w io.Writer, a *analysis) error {
	bw := bufio.NewWriter(w)
	var first *result.Result
	if len(a.series) > 0 && len(a.series[0].results) > 0 {
		first = a.series[0].results[0]
	}
	if first != nil {
		if first.Tool.OS != "" {
			fmt.Fprintf(bw, "goos: %s\n", first.Tool.OS)
		}
		if first.Tool.Arch != "" {
			fmt.Fprintf(bw, "goarch: %s\n", first.Tool.Arch)
		}
		fmt.Fprintf(bw, "pkg: github.com/etlbench/etlbench\n")
		if first.Tool.Version != "" {
			fmt.Fprintf(bw, "etlbench: %s\n", benchValue(first.Tool.Version))
		}
		if first.Scenario != "" {
			fmt.Fprintf(bw, "scenario: %s\n", benchValue(first.Scenario))
		}
		if first.Cluster.Kind != "" {
			fmt.Fprintf(bw, "cluster: %s\n", benchValue(fmt.Sprintf("%s-%d-targets", first.Cluster.Kind, first.Cluster.Targets)))
		}
	}
	for _, s := range a.series {
		name := benchName(s)
		for _, r := range s.results {
			smp, err := sampleOf(r, s.op)
			if err != nil {
				return fmt.Errorf("cell %s, repeat %d: %w", s.cell, r.Repeat, err)
			}
			procs := ""
			if r.Tool.CPUs > 1 {
				procs = fmt.Sprintf("-%d", r.Tool.CPUs)
			}
			nsPerOp := 0.0
			if smp.opsPerSec > 0 {
				nsPerOp = 1e9 / smp.opsPerSec
			}
			fmt.Fprintf(bw, "%s%s 1 %.1f ns/op %.2f MB/s %.2f ops/s %.0f p50-us %.0f p90-us %.0f p99-us %.0f p99.9-us %d errors\n",
				name, procs, nsPerOp, smp.mibPerSec*mib/1e6, smp.opsPerSec,
				smp.lat.P50, smp.lat.P90, smp.lat.P99, smp.lat.P999, smp.errors)
		}
	}
	return bw.Flush()
}

// benchName is the benchmark name of a series: BenchmarkETL followed by
// its axes as key=value sub-benchmark names, and the operation.
func benchName(s *series) string {
	var b strings.Builder
	b.WriteString("BenchmarkETL")
	if len(s.axes) == 0 && s.cellKey != "" {
		b.WriteString("/cell=" + benchValue(s.cellKey))
	}
	for _, k := range orderedKeys(s.axes) {
		b.WriteString("/" + benchValue(k) + "=" + benchValue(s.axes[k]))
	}
	if s.axes[AxisOp] != s.op {
		b.WriteString("/op=" + benchValue(s.op))
	}
	return b.String()
}

// benchValue makes v usable in a benchmark name or config value: no
// spaces, no slashes.
func benchValue(v string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r', '/':
			return '_'
		}
		return r
	}, v)
}
