package reports

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/etlbench/etlbench/reports/result"
)

// Gate defaults.
const (
	DefaultMaxRegress = 0.05
	DefaultAlpha      = 0.05
)

// GateOptions set what counts as a regression.
type GateOptions struct {
	// MaxRegress is the largest tolerated relative worsening of a metric's
	// median (0.05 = 5%); 0 means the default 5%.
	MaxRegress float64
	// Alpha is the significance level of the Mann-Whitney U test; 0 means 0.05.
	Alpha float64
	// Metrics to check (default ops_per_sec and p99): ops_per_sec and
	// mib_per_sec (lower is worse), p50, p90, p99, p999 (higher is worse).
	Metrics []string
	// Force gates even when the configurations differ; IgnoreKeys are
	// Config keys not compared (besides DefaultIgnoredKeys).
	Force      bool
	IgnoreKeys []string
	// IgnoreAxes are matrix axes left out when matching cells (see
	// CompareOptions.IgnoreAxes).
	IgnoreAxes []string
	// BaselineLabel and CurrentLabel name the sides in messages.
	BaselineLabel, CurrentLabel string
	Resamples                   int   // bootstrap resamples (default 2000)
	Seed                        int64 // bootstrap seed (default 1)
}

// GateCheck is one metric of one series, current against baseline.
type GateCheck struct {
	Cell     string  `json:"cell"`
	Op       string  `json:"op"`
	Metric   string  `json:"metric"`
	Baseline float64 `json:"baseline"` // median over repeats
	Current  float64 `json:"current"`
	// Change is (current - baseline) / baseline; Worse is the same signed
	// so that positive is worse (for throughput: a drop).
	Change Float `json:"change"`
	Worse  Float `json:"worse"`
	// P is the two-sided Mann-Whitney U p-value (NaN when not computed).
	P         Float `json:"p"`
	NBaseline int   `json:"n_baseline"`
	NCurrent  int   `json:"n_current"`
	// ThresholdOnly: the repeats were too few for a p-value below Alpha,
	// so the check was judged by the threshold alone.
	ThresholdOnly bool `json:"threshold_only"`
	Regressed     bool `json:"regressed"`
}

// GateResult is the verdict of a gate.
type GateResult struct {
	Failed        bool             `json:"failed"`
	Regressions   []GateCheck      `json:"regressions"`
	Checks        []GateCheck      `json:"checks"`
	MaxRegress    float64          `json:"max_regress"`
	Alpha         float64          `json:"alpha"`
	Metrics       []string         `json:"metrics"`
	ThresholdOnly bool             `json:"threshold_only"` // some check was judged by threshold alone
	OnlyBaseline  []string         `json:"only_baseline,omitempty"`
	OnlyCurrent   []string         `json:"only_current,omitempty"`
	Mismatches    []ConfigMismatch `json:"config_mismatches,omitempty"` // with Force
	Notes         []string         `json:"notes,omitempty"`

	BaselineLabel string `json:"baseline"`
	CurrentLabel  string `json:"current"`
}

// Gate checks current against baseline: it fails when a metric of a cell
// is worse by more than MaxRegress and the difference is significant
// (Mann-Whitney U p < Alpha). When a side has a single repeat, or too few
// repeats for any p-value to fall below Alpha, the check is judged by the
// threshold alone, and the result says so. Errors are bad input: no
// results, bad options, unknown metrics, no common cells, or (without
// Force) configurations that differ (*MismatchError).
func Gate(baseline, current []*result.Result, opts GateOptions) (*GateResult, error) {
	g, err := newGateResult(opts)
	if err != nil {
		return nil, err
	}
	metrics, err := lookupMetrics(opts.Metrics, DefaultGateMetrics)
	if err != nil {
		return nil, fmt.Errorf("gate: %w", err)
	}
	for _, m := range metrics {
		g.Metrics = append(g.Metrics, m.Name)
	}
	pairs, err := g.pair(baseline, current, opts)
	if err != nil {
		return nil, err
	}
	g.Mismatches = configMismatches(pairs, append(append([]string(nil), opts.IgnoreKeys...), opts.IgnoreAxes...))
	if len(g.Mismatches) > 0 && !opts.Force {
		return nil, &MismatchError{LabelA: g.BaselineLabel, LabelB: g.CurrentLabel, Mismatches: g.Mismatches}
	}
	for _, p := range pairs {
		for _, m := range metrics {
			c, err := gateCheck(p, m, g)
			if err != nil {
				return nil, fmt.Errorf("gate: %w", err)
			}
			g.Checks = append(g.Checks, c)
			if c.Regressed {
				g.Regressions = append(g.Regressions, c)
			}
			g.ThresholdOnly = g.ThresholdOnly || c.ThresholdOnly
		}
	}
	g.Failed = len(g.Regressions) > 0
	g.addNotes()
	return g, nil
}

// newGateResult is the empty result of a gate with opts, its threshold
// and alpha checked.
func newGateResult(opts GateOptions) (*GateResult, error) {
	g := &GateResult{
		MaxRegress: opts.MaxRegress, Alpha: opts.Alpha,
		BaselineLabel: orDefault(opts.BaselineLabel, "baseline"), CurrentLabel: orDefault(opts.CurrentLabel, "current"),
	}
	if g.MaxRegress == 0 {
		g.MaxRegress = DefaultMaxRegress
	}
	if g.Alpha == 0 {
		g.Alpha = DefaultAlpha
	}
	if g.MaxRegress < 0 || math.IsNaN(g.MaxRegress) || math.IsInf(g.MaxRegress, 0) {
		return nil, fmt.Errorf("gate: max regression %v must be a positive fraction (0.05 = 5%%)", opts.MaxRegress)
	}
	if !(g.Alpha > 0 && g.Alpha < 1) {
		return nil, fmt.Errorf("gate: alpha %v must be between 0 and 1", opts.Alpha)
	}
	return g, nil
}

// pair analyzes both sides and pairs their series by cell; the cells on
// one side only are recorded in g.
func (g *GateResult) pair(baseline, current []*result.Result, opts GateOptions) ([]seriesPair, error) {
	if len(baseline) == 0 {
		return nil, fmt.Errorf("gate: no baseline results")
	}
	if len(current) == 0 {
		return nil, fmt.Errorf("gate: no current results")
	}
	so := statsOptions{resamples: opts.Resamples, seed: opts.Seed}.norm()
	a, err := analyze(baseline, so)
	if err != nil {
		return nil, fmt.Errorf("gate: %s: %w", g.BaselineLabel, err)
	}
	b, err := analyze(current, so)
	if err != nil {
		return nil, fmt.Errorf("gate: %s: %w", g.CurrentLabel, err)
	}
	pairs, onlyA, onlyB, err := matchSeries(a, b, opts.IgnoreAxes)
	if err != nil {
		return nil, fmt.Errorf("gate: %w", err)
	}
	g.OnlyBaseline, g.OnlyCurrent = onlyA, onlyB
	if len(pairs) == 0 {
		return nil, fmt.Errorf("gate: no cell of %s is in %s (%s has %s; %s has %s)", g.BaselineLabel, g.CurrentLabel,
			g.BaselineLabel, someNames(onlyA), g.CurrentLabel, someNames(onlyB))
	}
	return pairs, nil
}

// addNotes says what the gate did not judge fully: threshold-only cells,
// cells on one side only, configurations compared with --force.
func (g *GateResult) addNotes() {
	if g.ThresholdOnly {
		g.Notes = append(g.Notes, fmt.Sprintf("Some cells have too few repeats for a p-value below alpha=%g "+
			"(a single repeat on a side, or e.g. 3 vs 3 whose smallest possible p is 0.1): "+
			"they were judged by the %s threshold alone, without a significance test. Run more repeats (5 or more) for a statistical gate.",
			g.Alpha, fmtPctPlain(g.MaxRegress)))
	}
	if len(g.OnlyBaseline) > 0 {
		g.Notes = append(g.Notes, fmt.Sprintf("Not gated, only in %s: %s.", g.BaselineLabel, strings.Join(g.OnlyBaseline, "; ")))
	}
	if len(g.OnlyCurrent) > 0 {
		g.Notes = append(g.Notes, fmt.Sprintf("Not gated, only in %s: %s.", g.CurrentLabel, strings.Join(g.OnlyCurrent, "; ")))
	}
	if len(g.Mismatches) > 0 {
		g.Notes = append(g.Notes, fmt.Sprintf("Gated with --force although %d configuration values differ (first: %s).", len(g.Mismatches), g.Mismatches[0]))
	}
}

// minPValue is the smallest two-sided p-value the exact Mann-Whitney test
// can give for samples of sizes n1 and n2: 2 / C(n1+n2, n1).
func minPValue(n1, n2 int) float64 {
	if n1 < 1 || n2 < 1 {
		return 1
	}
	// C(n1+n2, n1) in floating point.
	c := 1.0
	for i := 1; i <= n1; i++ {
		c = c * float64(n2+i) / float64(i)
	}
	return math.Min(1, 2/c)
}

func gateCheck(p seriesPair, m Metric, g *GateResult) (GateCheck, error) {
	va, vb, err := p.values(m)
	if err != nil {
		return GateCheck{}, err
	}
	c := GateCheck{
		Cell: p.a.cell, Op: p.a.op, Metric: m.Name,
		Baseline: Median(va), Current: Median(vb),
		NBaseline: len(va), NCurrent: len(vb),
		P: Float(math.NaN()),
	}
	change := ratio(c.Current-c.Baseline, c.Baseline)
	if c.Current == c.Baseline {
		change = 0
	}
	c.Change = Float(change)
	if m.HigherIsBetter {
		c.Worse = Float(-change)
	} else {
		c.Worse = c.Change
	}
	if len(va) > 1 && len(vb) > 1 {
		c.P = Float(MannWhitneyU(va, vb).P)
	}
	c.ThresholdOnly = len(va) < 2 || len(vb) < 2 || minPValue(len(va), len(vb)) >= g.Alpha
	significant := c.ThresholdOnly || float64(c.P) < g.Alpha
	c.Regressed = float64(c.Worse) > g.MaxRegress && significant
	return c, nil
}

func fmtPctPlain(v float64) string { return fmt.Sprintf("%g%%", 100*v) }

// PrintTable writes the regressions (or, with all, every check) as a terminal table.
func (g *GateResult) PrintTable(w io.Writer, all bool) error {
	checks := g.Regressions
	if all {
		checks = g.Checks
	}
	t := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
	t.Header("cell", "op", "metric", g.BaselineLabel, g.CurrentLabel, "change", "p", "judged by", "verdict")
	for _, c := range checks {
		if err := t.Append(gateRow(c)); err != nil {
			return fmt.Errorf("gate table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("gate table: %w", err)
	}
	return nil
}

func gateRow(c GateCheck) []string {
	m, _ := LookupMetric(c.Metric)
	judged := "threshold + p-value"
	if c.ThresholdOnly {
		judged = "threshold only"
	}
	verdict := "ok"
	switch {
	case c.Regressed:
		verdict = "REGRESSION"
	case float64(c.Worse) < 0:
		verdict = "better"
	}
	return []string{c.Cell, c.Op, m.Label, fmtMetric(m, c.Baseline), fmtMetric(m, c.Current),
		fmtPct(float64(c.Change)), fmtP(float64(c.P)), judged, verdict}
}

// Verdict is a one-line summary: PASS or FAIL with the counts.
func (g *GateResult) Verdict() string {
	if g.Failed {
		return fmt.Sprintf("FAIL: %d of %d checks regressed by more than %s (alpha %g)",
			len(g.Regressions), len(g.Checks), fmtPctPlain(g.MaxRegress), g.Alpha)
	}
	return fmt.Sprintf("PASS: none of %d checks regressed significantly by more than %s (alpha %g)",
		len(g.Checks), fmtPctPlain(g.MaxRegress), g.Alpha)
}

// Markdown renders the verdict for a CI job summary: the parameters, the
// regressions and every check.
func (g *GateResult) Markdown() string {
	var b strings.Builder
	icon := "✅"
	if g.Failed {
		icon = "❌"
	}
	fmt.Fprintf(&b, "## etlbench gate %s %s\n\n", icon, g.Verdict())
	fmt.Fprintf(&b, "Baseline `%s`, current `%s`; metrics %s; a check fails when the median is worse by more than %s "+
		"and the Mann-Whitney U test over the repeats gives p < %g.\n\n",
		g.BaselineLabel, g.CurrentLabel, strings.Join(g.Metrics, ", "), fmtPctPlain(g.MaxRegress), g.Alpha)
	header := fmt.Sprintf("| cell | op | metric | %s | %s | change | p | judged by | verdict |\n|---|---|---|--:|--:|--:|--:|---|---|\n",
		mdEscape(g.BaselineLabel), mdEscape(g.CurrentLabel))
	if len(g.Regressions) > 0 {
		fmt.Fprintf(&b, "### Regressions\n\n%s", header)
		for _, c := range g.Regressions {
			writeMDRow(&b, gateRow(c))
		}
		fmt.Fprintln(&b)
	}
	fmt.Fprintf(&b, "### All checks\n\n%s", header)
	for _, c := range g.Checks {
		writeMDRow(&b, gateRow(c))
	}
	fmt.Fprintln(&b)
	if len(g.Notes) > 0 {
		fmt.Fprintf(&b, "### Notes\n\n")
		for _, n := range g.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
		fmt.Fprintln(&b)
	}
	return b.String()
}

func writeMDRow(w io.Writer, cells []string) {
	for i := range cells {
		cells[i] = mdEscape(cells[i])
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
}
