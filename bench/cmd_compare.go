package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/etlbench/etlbench/reports"
)

func init() {
	register(&command{
		name:    "compare",
		summary: "compare two result directories cell by cell (deltas, bootstrap CIs, Mann-Whitney p)",
		run:     runCompare,
	})
}

func runCompare(args []string) error {
	fs := newFlags("compare", "A B [-o OUTDIR] [--force] [flags]")
	out := fs.StringP("out", "o", "", "write compare.md and overlay plots into this directory")
	force := fs.Bool("force", false, "compare even when the configurations differ")
	ignore := fs.StringSlice("ignore", nil, "configuration keys allowed to differ (comma-separated)")
	ignoreAxes := fs.StringSlice("ignore-axis", nil, "matrix axes left out when matching cells, e.g. transformer (comma-separated)")
	metrics := fs.StringSlice("metric", nil, "metrics to compare: ops_per_sec, mib_per_sec, p50, p90, p99, p999 (default all but p90); costs per object: target_cpu_us, transformer_cpu_us, cluster_cpu_us, loader_cpu_us, client_link_bytes, node_link_bytes")
	seed := fs.Int64("seed", 1, "seed of the bootstrap resampling")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("want two result directories A and B, got %d arguments (see --help)", fs.NArg())
	}
	a, err := reports.LoadDir(fs.Arg(0))
	if err != nil {
		return &exitError{code: 2, msg: err.Error()}
	}
	b, err := reports.LoadDir(fs.Arg(1))
	if err != nil {
		return &exitError{code: 2, msg: err.Error()}
	}
	c, err := reports.Compare(a, b, reports.CompareOptions{
		Force: *force, IgnoreKeys: *ignore, IgnoreAxes: *ignoreAxes, Metrics: *metrics, Seed: *seed,
		LabelA: resultsLabel(fs.Arg(0)), LabelB: resultsLabel(fs.Arg(1)),
	})
	if err != nil {
		// Bad input, including a refused configuration mismatch.
		return &exitError{code: 2, msg: err.Error()}
	}
	if err := c.PrintTable(os.Stdout); err != nil {
		return err
	}
	if *out != "" {
		files, err := c.WriteDir(*out)
		if err != nil {
			return err
		}
		fmt.Printf("comparison: %s (%d files)\n", filepath.Join(*out, reports.CompareFile), len(files))
	}
	return nil
}

// resultsLabel names a results directory in tables: its path as given, trimmed.
func resultsLabel(dir string) string {
	return filepath.Clean(dir)
}
