package reports

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/etlbench/etlbench/reports/result"
)

// CompareFile is the Markdown file Comparison.WriteDir writes.
const CompareFile = "compare.md"

// CompareOptions tune a comparison.
type CompareOptions struct {
	// Force compares even when the configurations differ (the differences
	// are listed in the comparison).
	Force bool
	// IgnoreKeys are Config keys not compared, besides DefaultIgnoredKeys.
	IgnoreKeys []string
	// IgnoreAxes are matrix axes left out when matching cells, e.g.
	// "transformer" to compare the echo cells of A with the fault cells of B.
	// Config keys of the same names are not compared either.
	IgnoreAxes []string
	// Metrics to compare (default: ops_per_sec, mib_per_sec, p50, p99, p999).
	Metrics []string
	// LabelA and LabelB name the two sides (default "A" and "B").
	LabelA, LabelB string
	Level          float64 // confidence level (default 0.95)
	Resamples      int     // bootstrap resamples (default 2000)
	Seed           int64   // bootstrap seed (default 1)
}

// DefaultCompareMetrics are compared when CompareOptions.Metrics is empty.
var DefaultCompareMetrics = []string{"ops_per_sec", "mib_per_sec", "p50", "p99", "p999"}

// CompareRow is one metric of one matched series, A against B.
type CompareRow struct {
	Cell   string   `json:"cell"`
	Op     string   `json:"op"`
	Metric string   `json:"metric"`
	A      Estimate `json:"a"`
	B      Estimate `json:"b"`
	// Delta is median(B) - median(A); DeltaPct the same relative to A.
	Delta    Float `json:"delta"`
	DeltaPct Float `json:"delta_pct"`
	// DeltaLo and DeltaHi bound the bootstrap interval of Delta.
	DeltaLo Float `json:"delta_ci_lo"`
	DeltaHi Float `json:"delta_ci_hi"`
	// P is the two-sided Mann-Whitney U p-value over the repeats (NaN with
	// a single repeat on a side).
	P     Float `json:"p"`
	Exact bool  `json:"p_exact"`
	// Better says whether B is better than A on this metric (by direction
	// only, not significance).
	Better bool `json:"b_better"`
}

// Comparison is every matched series of two result sets, side by side.
type Comparison struct {
	LabelA, LabelB string
	Level          float64
	Rows           []CompareRow
	OnlyA, OnlyB   []string         // series on one side only
	Mismatches     []ConfigMismatch // configuration differences (only when forced)
	Forced         bool

	a, b  *analysis
	pairs []seriesPair
}

// Compare compares result sets a and b cell by cell. It refuses (with a
// *MismatchError naming the key and both values) results whose
// configurations differ, unless opts.Force.
func Compare(a, b []*result.Result, opts CompareOptions) (*Comparison, error) {
	so := statsOptions{level: opts.Level, resamples: opts.Resamples, seed: opts.Seed}.norm()
	c := &Comparison{LabelA: orDefault(opts.LabelA, "A"), LabelB: orDefault(opts.LabelB, "B"), Level: so.level, Forced: opts.Force}
	metrics, err := lookupMetrics(opts.Metrics, DefaultCompareMetrics)
	if err != nil {
		return nil, err
	}
	if len(a) == 0 || len(b) == 0 {
		return nil, fmt.Errorf("compare: no results in %s", map[bool]string{true: c.LabelA, false: c.LabelB}[len(a) == 0])
	}
	if c.a, err = analyze(a, so); err != nil {
		return nil, fmt.Errorf("compare %s: %w", c.LabelA, err)
	}
	if c.b, err = analyze(b, so); err != nil {
		return nil, fmt.Errorf("compare %s: %w", c.LabelB, err)
	}
	c.pairs, c.OnlyA, c.OnlyB, err = matchSeries(c.a, c.b, opts.IgnoreAxes)
	if err != nil {
		return nil, fmt.Errorf("compare: %w", err)
	}
	if len(c.pairs) == 0 {
		return nil, fmt.Errorf("compare: no cell of %s is in %s (%s has %s; %s has %s)", c.LabelA, c.LabelB,
			c.LabelA, someNames(c.OnlyA), c.LabelB, someNames(c.OnlyB))
	}
	c.Mismatches = configMismatches(c.pairs, append(append([]string(nil), opts.IgnoreKeys...), opts.IgnoreAxes...))
	if len(c.Mismatches) > 0 && !opts.Force {
		return nil, &MismatchError{LabelA: c.LabelA, LabelB: c.LabelB, Mismatches: c.Mismatches}
	}
	for _, p := range c.pairs {
		for _, m := range metrics {
			row, err := compareRow(p, m, so)
			if err != nil {
				return nil, err
			}
			c.Rows = append(c.Rows, row)
		}
	}
	return c, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func someNames(names []string) string {
	switch {
	case len(names) == 0:
		return "none"
	case len(names) <= 3:
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:3], ", "), len(names)-3)
}

func lookupMetrics(names, def []string) ([]Metric, error) {
	if len(names) == 0 {
		names = def
	}
	var out []Metric
	seen := map[string]bool{}
	for _, n := range names {
		m, err := LookupMetric(n)
		if err != nil {
			return nil, err
		}
		if !seen[m.Name] {
			seen[m.Name] = true
			out = append(out, m)
		}
	}
	return out, nil
}

func compareRow(p seriesPair, m Metric, so statsOptions) (CompareRow, error) {
	va, vb, err := p.values(m)
	if err != nil {
		return CompareRow{}, err
	}
	seed := hashSeed(so.seed, p.a.key+"/"+m.Name)
	row := CompareRow{
		Cell: p.a.cell, Op: p.a.op, Metric: m.Name,
		A: estimate(va, so.level, so.resamples, seed),
		B: estimate(vb, so.level, so.resamples, seed+1),
	}
	d := row.B.Median - row.A.Median
	row.Delta = Float(d)
	row.DeltaPct = Float(ratio(d, row.A.Median))
	lo, hi := BootstrapDeltaCI(va, vb, so.level, so.resamples, seed+2)
	row.DeltaLo, row.DeltaHi = Float(lo), Float(hi)
	row.P = Float(math.NaN())
	if len(va) > 1 && len(vb) > 1 {
		mw := MannWhitneyU(va, vb)
		row.P, row.Exact = Float(mw.P), mw.Exact
	}
	row.Better = d != 0 && (d > 0) == m.HigherIsBetter
	return row, nil
}

// PrintTable writes the comparison as a terminal table.
func (c *Comparison) PrintTable(w io.Writer) error {
	t := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
	pct := fmt.Sprintf("%g%%", 100*c.Level)
	t.Header("cell", "op", "metric", c.LabelA, c.LabelB, "delta", fmt.Sprintf("delta %s CI", pct), "p")
	for _, r := range c.Rows {
		m, _ := LookupMetric(r.Metric)
		if err := t.Append(r.Cell, r.Op, m.Label, fmtMetric(m, r.A.Median), fmtMetric(m, r.B.Median),
			fmtPct(float64(r.DeltaPct)), fmtDeltaCI(m, r), fmtP(float64(r.P))); err != nil {
			return fmt.Errorf("compare table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("compare table: %w", err)
	}
	for _, line := range c.notes() {
		fmt.Fprintln(w, line)
	}
	return nil
}

func fmtDeltaCI(m Metric, r CompareRow) string {
	lo, hi := float64(r.DeltaLo), float64(r.DeltaHi)
	if math.IsNaN(lo) {
		return "n/a"
	}
	return fmt.Sprintf("[%s, %s]", fmtSigned(m, lo), fmtSigned(m, hi))
}

func fmtSigned(m Metric, v float64) string {
	s := fmtMetric(m, v)
	if v > 0 {
		s = "+" + s
	}
	return s
}

func (c *Comparison) notes() []string {
	var out []string
	if len(c.OnlyA) > 0 {
		out = append(out, fmt.Sprintf("Only in %s: %s", c.LabelA, strings.Join(c.OnlyA, "; ")))
	}
	if len(c.OnlyB) > 0 {
		out = append(out, fmt.Sprintf("Only in %s: %s", c.LabelB, strings.Join(c.OnlyB, "; ")))
	}
	if len(c.Mismatches) > 0 {
		out = append(out, fmt.Sprintf("Compared with --force although %d configuration values differ:", len(c.Mismatches)))
		for _, m := range c.Mismatches {
			out = append(out, "  "+m.String())
		}
	}
	single := false
	for _, r := range c.Rows {
		if math.IsNaN(float64(r.P)) {
			single = true
		}
	}
	if single {
		out = append(out, "Some cells have a single repeat on a side: no p-value (n/a) and no real interval for them.")
	}
	return out
}

// Markdown renders the comparison as Markdown (compare.md without plots).
func (c *Comparison) Markdown() string {
	var b strings.Builder
	c.writeMarkdown(&b, nil)
	return b.String()
}

func (c *Comparison) writeMarkdown(w io.Writer, plots []PlotFile) {
	pct := fmt.Sprintf("%g%%", 100*c.Level)
	fmt.Fprintf(w, "# etlbench compare: %s vs %s\n\n", c.LabelA, c.LabelB)
	fmt.Fprintf(w, "%d matched series. Medians over repeats; delta = %s - %s with its %s bootstrap interval; "+
		"p = two-sided Mann-Whitney U test over the repeats. Bold: %s is worse and p < 0.05.\n\n",
		len(c.pairs), c.LabelB, c.LabelA, pct, c.LabelB)
	fmt.Fprintf(w, "| cell | op | metric | %s | %s | delta | delta %s CI | p |\n|---|---|---|--:|--:|--:|--:|--:|\n",
		mdEscape(c.LabelA), mdEscape(c.LabelB), pct)
	for _, r := range c.Rows {
		m, _ := LookupMetric(r.Metric)
		delta := fmtPct(float64(r.DeltaPct))
		if !r.Better && r.Delta != 0 && float64(r.P) < 0.05 {
			delta = "**" + delta + "**"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", mdEscape(r.Cell), r.Op, m.Label,
			fmtMetric(m, r.A.Median), fmtMetric(m, r.B.Median), delta, fmtDeltaCI(m, r), fmtP(float64(r.P)))
	}
	fmt.Fprintln(w)
	if notes := c.notes(); len(notes) > 0 {
		fmt.Fprintf(w, "## Notes\n\n")
		for _, n := range notes {
			fmt.Fprintf(w, "- %s\n", strings.TrimSpace(n))
		}
		fmt.Fprintln(w)
	}
	if len(plots) > 0 {
		fmt.Fprintf(w, "## Plots\n\nSolid lines and the first bar of each pair: %s; dashed lines and the second bar: %s.\n\n", c.LabelA, c.LabelB)
		for _, p := range plots {
			fmt.Fprintf(w, "![%s](%s) ([SVG](%s))\n\n", mdEscape(p.Title), p.Files[0], p.Files[len(p.Files)-1])
		}
	}
}

// WriteDir writes compare.md and the overlay plots (latency spectra and
// throughput bars of A and B) into dir, and returns the files written.
func (c *Comparison) WriteDir(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("compare: %w", err)
	}
	plots, err := writeComparePlots(c, dir)
	if err != nil {
		return nil, fmt.Errorf("compare plots: %w", err)
	}
	var files []string
	for _, p := range plots {
		files = append(files, p.Files...)
	}
	path := filepath.Join(dir, CompareFile)
	if err := writeFile(path, func(f *os.File) error {
		bw := bufio.NewWriter(f)
		c.writeMarkdown(bw, plots)
		return bw.Flush()
	}); err != nil {
		return nil, err
	}
	return append(files, CompareFile), nil
}
