package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/etlbench/etlbench/reports"
)

func init() {
	register(&command{
		name:    "gate",
		summary: "CI gate: exit 1 when a metric regresses significantly past a threshold, 2 on bad input",
		run:     runGate,
	})
}

func runGate(args []string) error {
	fs := newFlags("gate", "--baseline DIR --current DIR [--max-regress 5%] [--alpha 0.05] [--metric ops_per_sec,p99] [flags]")
	baseline := fs.String("baseline", "", "results directory of the baseline run (or the first argument)")
	current := fs.String("current", "", "results directory of the run under test (or the second argument)")
	maxRegress := fs.String("max-regress", "5%", "largest tolerated worsening of a median: a percentage (5%) or a fraction (0.05)")
	alpha := fs.Float64("alpha", reports.DefaultAlpha, "significance level of the Mann-Whitney U test")
	metrics := fs.StringSlice("metric", reports.DefaultGateMetrics, "metrics to check: ops_per_sec, mib_per_sec (lower is worse), p50, p90, p99, p999 and the costs per object target_cpu_us, transformer_cpu_us, cluster_cpu_us, loader_cpu_us, client_link_bytes, node_link_bytes (higher is worse)")
	summary := fs.String("summary", "", "write a Markdown summary to this file (also appended to $GITHUB_STEP_SUMMARY when set)")
	force := fs.Bool("force", false, "gate even when the configurations differ")
	ignore := fs.StringSlice("ignore", nil, "configuration keys allowed to differ (comma-separated)")
	ignoreAxes := fs.StringSlice("ignore-axis", nil, "matrix axes left out when matching cells, e.g. transformer (comma-separated)")
	seed := fs.Int64("seed", 1, "seed of the bootstrap resampling")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	bad := func(format string, a ...any) error { return &exitError{code: 2, msg: fmt.Sprintf(format, a...)} }
	pos := fs.Args()
	if *baseline == "" && len(pos) > 0 {
		*baseline, pos = pos[0], pos[1:]
	}
	if *current == "" && len(pos) > 0 {
		*current, pos = pos[0], pos[1:]
	}
	if len(pos) > 0 {
		return bad("unexpected arguments: %s", strings.Join(pos, " "))
	}
	if *baseline == "" || *current == "" {
		return bad("need --baseline DIR and --current DIR")
	}
	mr, err := parseMaxRegress(*maxRegress)
	if err != nil {
		return bad("%v", err)
	}
	if !(*alpha > 0 && *alpha < 1) {
		return bad("--alpha %v: must be between 0 and 1", *alpha)
	}
	base, err := reports.LoadDir(*baseline)
	if err != nil {
		return bad("baseline: %v", err)
	}
	cur, err := reports.LoadDir(*current)
	if err != nil {
		return bad("current: %v", err)
	}
	g, err := reports.Gate(base, cur, reports.GateOptions{
		MaxRegress: mr, Alpha: *alpha, Metrics: *metrics, Force: *force, IgnoreKeys: *ignore, IgnoreAxes: *ignoreAxes, Seed: *seed,
		BaselineLabel: resultsLabel(*baseline), CurrentLabel: resultsLabel(*current),
	})
	if err != nil {
		// Bad input, including a refused configuration mismatch.
		return bad("%v", err)
	}
	if err := g.PrintTable(os.Stdout, true); err != nil {
		return bad("%v", err)
	}
	for _, n := range g.Notes {
		fmt.Printf("note: %s\n", n)
	}
	md := g.Markdown()
	if *summary != "" {
		if err := os.WriteFile(*summary, []byte(md), 0o644); err != nil {
			return bad("writing summary: %v", err)
		}
	}
	if p := os.Getenv("GITHUB_STEP_SUMMARY"); p != "" {
		if err := appendSummary(p, md); err != nil {
			return bad("writing $GITHUB_STEP_SUMMARY: %v", err)
		}
	}
	if g.Failed {
		fmt.Println("\nRegressions:")
		if err := g.PrintTable(os.Stdout, false); err != nil {
			return bad("%v", err)
		}
		return &exitError{code: 1, msg: g.Verdict()}
	}
	fmt.Println(g.Verdict())
	return nil
}

// parseMaxRegress reads a threshold: "5%" or "0.05". "0%" means any worsening.
func parseMaxRegress(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("--max-regress %q: not a percentage (like 5%%) or a fraction (like 0.05)", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("--max-regress %q: must not be negative", s)
	}
	if pct {
		v /= 100
	} else if v > 1 {
		return 0, fmt.Errorf("--max-regress %q: ambiguous; write %s%% for a percentage or a fraction like 0.05", s, t)
	}
	if v == 0 {
		v = math.SmallestNonzeroFloat64 // any worsening counts; 0 would mean the default
	}
	return v, nil
}

func appendSummary(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
