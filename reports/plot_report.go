package reports

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"sort"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/etlbench/etlbench/reports/result"
)

// plotGroup is a set of series drawn in one plot, one line or bar each.
type plotGroup struct {
	title  string // what the series have in common
	slug   string
	idx    []int    // indices into analysis.series
	labels []string // a label per series
}

// groupBy groups series by everything but the axes in vary; each series is
// labelled by its values of those axes (or, when it has none of them, by
// its cell name). Groups and members are in series order.
func groupBy(ss []*series, vary ...string) []plotGroup {
	var out []plotGroup
	byKey := map[string]int{}
	for i, s := range ss {
		rest := without(s.axes, vary...)
		if _, ok := rest[AxisOp]; !ok {
			rest[AxisOp] = s.op
		}
		var lab []string
		for _, ax := range vary {
			if v, ok := s.axes[ax]; ok {
				lab = append(lab, ax+"="+v)
			}
		}
		label := ""
		switch {
		case len(lab) == 0:
			label = s.name()
		case len(vary) == 1:
			label = s.axes[vary[0]]
		default:
			label = joinStrings(lab, " ")
		}
		if len(lab) == 0 {
			// Series without the varying axes share a group per operation.
			rest = map[string]string{AxisOp: s.op}
		}
		key := axesKey(rest, " ")
		g, ok := byKey[key]
		if !ok {
			g = len(out)
			byKey[key] = g
			out = append(out, plotGroup{title: key, slug: slug(axesKey(rest, "_"))})
		}
		out[g].idx = append(out[g].idx, i)
		out[g].labels = append(out[g].labels, label)
	}
	return out
}

func joinStrings(ss []string, sep string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += sep
		}
		out += s
	}
	return out
}

// writeReportPlots writes every plot of the report into dir and returns the
// files written, grouped by kind.
func writeReportPlots(a *analysis, dir string) ([]PlotFile, error) {
	var out []PlotFile
	add := func(kind, title string, files []string, err error) error {
		if err != nil {
			return err
		}
		if len(files) > 0 {
			out = append(out, PlotFile{Kind: kind, Title: title, Files: files})
		}
		return nil
	}
	for _, g := range groupBy(a.series, AxisComm) {
		files, err := spectrumPlot(a, g, dir)
		if err := add("spectrum", "Latency percentile spectrum: "+g.title, files, err); err != nil {
			return out, err
		}
		files, err = cdfPlot(a, g, dir)
		if err := add("cdf", "Latency CDF: "+g.title, files, err); err != nil {
			return out, err
		}
		files, err = timelinePlot(a, g, dir)
		if err := add("timeline", "Throughput over time: "+g.title, files, err); err != nil {
			return out, err
		}
	}
	for _, g := range groupBy(a.series, AxisComm, AxisDirectPut) {
		files, err := throughputPlot(a, g, dir)
		if err := add("throughput", "Throughput: "+g.title, files, err); err != nil {
			return out, err
		}
	}
	files, err := speedupPlots(a, dir)
	if err != nil {
		return out, err
	}
	out = append(out, files...)
	return out, nil
}

// PlotFile is one plot of a report or comparison, written in each format.
type PlotFile struct {
	Kind  string   `json:"kind"` // spectrum, cdf, timeline, throughput, speedup
	Title string   `json:"title"`
	Files []string `json:"files"` // .png and .svg, relative to the output directory
}

// spectrumXYs samples h's percentile spectrum: x = 1/(1-q), y in ms.
func spectrumXYs(h *hdr.Histogram) plotter.XYs {
	n := float64(h.TotalCount())
	if n == 0 {
		return nil
	}
	maxX := math.Min(1e6, math.Max(10, n))
	var xys plotter.XYs
	for e := 0.0; ; e += 0.05 {
		x := math.Pow(10, e)
		if x > maxX {
			x = maxX
		}
		q := 100 * (1 - 1/x)
		xys = append(xys, plotter.XY{X: x, Y: float64(h.ValueAtQuantile(q)) / 1e3})
		if x == maxX {
			break
		}
	}
	return xys
}

// summarySpectrum is the spectrum from the four summary percentiles, for
// results without histograms.
func summarySpectrum(p result.Percentiles) plotter.XYs {
	if p.P50 == 0 && p.P99 == 0 {
		return nil
	}
	return plotter.XYs{{X: 2, Y: p.P50 / 1e3}, {X: 10, Y: p.P90 / 1e3}, {X: 100, Y: p.P99 / 1e3}, {X: 1000, Y: p.P999 / 1e3}}
}

func spectrumPlot(a *analysis, g plotGroup, dir string) ([]string, error) {
	f := newFigure("Latency by percentile: "+g.title, "percentile (log scale of 1/(1-q))", "latency (ms)")
	f.p.X.Scale = plot.LogScale{}
	f.p.X.Tick.Marker = spectrumTicks{}
	f.p.Y.Min = 0
	var names []string
	for k, i := range g.idx {
		xys := seriesSpectrum(a, i)
		if len(xys) == 0 {
			continue
		}
		if err := addLine(f, xys, g.labels[k], lineStyle(k, false)); err != nil {
			return nil, err
		}
		names = append(names, g.labels[k])
	}
	if len(names) == 0 {
		return nil, nil
	}
	f.p.Y.Max *= 1.08
	return f.save(dir, "spectrum-"+g.slug, names)
}

func seriesSpectrum(a *analysis, i int) plotter.XYs {
	if h := a.hists[i]; h != nil {
		return spectrumXYs(h)
	}
	return summarySpectrum(a.stats[i].LatencyUS)
}

func addLine(f *figure, xys plotter.XYs, label string, style draw.LineStyle) error {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return fmt.Errorf("plot %q: %w", label, err)
	}
	l.LineStyle = style
	f.p.Add(l)
	f.add(label, l)
	return nil
}

// cdfXYs samples h's cumulative distribution: x latency in ms, y percent.
func cdfXYs(h *hdr.Histogram) plotter.XYs {
	if h.TotalCount() == 0 {
		return nil
	}
	var qs []float64
	for q := 0.0; q < 99; q += 1 {
		qs = append(qs, q)
	}
	for q := 99.0; q < 99.9; q += 0.1 {
		qs = append(qs, q)
	}
	qs = append(qs, 99.9, 99.95, 99.99, 99.999, 100)
	var xys plotter.XYs
	for _, q := range qs {
		v := float64(max(h.ValueAtQuantile(q), 1)) / 1e3
		xys = append(xys, plotter.XY{X: v, Y: q})
	}
	return xys
}

func cdfPlot(a *analysis, g plotGroup, dir string) ([]string, error) {
	f := newFigure("Latency CDF: "+g.title, "latency (ms, log scale)", "requests completed within (%)")
	f.p.X.Scale = plot.LogScale{}
	f.p.X.Tick.Marker = logTicks{}
	f.p.Y.Min, f.p.Y.Max = 0, 100
	f.p.Y.Tick.Marker = percentTicks{}
	var names []string
	for k, i := range g.idx {
		h := a.hists[i]
		if h == nil {
			continue
		}
		if err := addLine(f, cdfXYs(h), g.labels[k], lineStyle(k, false)); err != nil {
			return nil, err
		}
		names = append(names, g.labels[k])
	}
	if len(names) == 0 {
		return nil, nil
	}
	return f.save(dir, "cdf-"+g.slug, names)
}

// timelineXYs is op's throughput per interval of r (x: seconds since the
// first interval) and the warm-up span.
func timelineXYs(r *result.Result, op string) (xys plotter.XYs, warm0, warm1 float64) {
	if len(r.Intervals) == 0 {
		return nil, 0, 0
	}
	t0 := r.Intervals[0].Start
	warm0, warm1 = math.NaN(), math.NaN()
	// A rate over a sliver of time (the tail interval that only drains
	// in-flight requests) is noise: leave out intervals shorter than a
	// quarter of the usual length.
	lens := make([]float64, len(r.Intervals))
	for i, iv := range r.Intervals {
		lens[i] = iv.End.Sub(iv.Start).Seconds()
	}
	minLen := Median(lens) / 4
	for _, iv := range r.Intervals {
		a, b := iv.Start.Sub(t0).Seconds(), iv.End.Sub(t0).Seconds()
		if iv.Warmup {
			if math.IsNaN(warm0) {
				warm0 = a
			}
			warm1 = b
		}
		o, ok := iv.Ops[op]
		if !ok || b <= a || b-a < minLen {
			continue
		}
		xys = append(xys, plotter.XY{X: (a + b) / 2, Y: float64(o.Ops) / (b - a)})
	}
	if math.IsNaN(warm0) && r.Warmup > 0 {
		warm0, warm1 = 0, r.Warmup
	}
	return xys, warm0, warm1
}

func timelinePlot(a *analysis, g plotGroup, dir string) ([]string, error) {
	f := newFigure("Throughput over time: "+g.title, "time since start (s)", "throughput (ops/s)")
	f.p.Y.Min = 0
	var names []string
	shaded := false
	for k, i := range g.idx {
		s := a.series[i]
		xys, w0, w1 := timelineXYs(s.results[0], s.op)
		if len(xys) == 0 {
			continue
		}
		if !shaded && !math.IsNaN(w0) && w1 > w0 {
			sh := shade{x0: w0, x1: w1, color: color.NRGBA{R: 200, G: 200, B: 200, A: 140}}
			f.p.Add(sh)
			f.add("warm-up (not measured)", sh)
			names = append(names, "warm-up (not measured)")
			shaded = true
		}
		label := g.labels[k]
		if len(s.results) > 1 {
			label += fmt.Sprintf(" (repeat %d)", s.results[0].Repeat)
		}
		if err := addLine(f, xys, label, lineStyle(k, false)); err != nil {
			return nil, err
		}
		names = append(names, label)
	}
	if len(names) == 0 {
		return nil, nil
	}
	f.p.Y.Max *= 1.1
	return f.save(dir, "timeline-"+g.slug, names)
}

// knownCommOrder orders communication modes in plots.
var knownCommOrder = []string{"hpush", "hpull", "ws"}

func sortCategories(cats []string) {
	sort.SliceStable(cats, func(i, j int) bool {
		ri, rj := slices.Index(knownCommOrder, cats[i]), slices.Index(knownCommOrder, cats[j])
		if ri >= 0 && rj >= 0 {
			return ri < rj
		}
		if ri >= 0 || rj >= 0 {
			return ri >= 0
		}
		return lessNatural(cats[i], cats[j])
	})
}

// bars arranges values into categories x sets for a grouped bar chart.
type bars struct {
	cats, sets []string
	val        map[[2]string]Estimate
}

func newBars() *bars { return &bars{val: map[[2]string]Estimate{}} }

func (b *bars) put(cat, set string, e Estimate) {
	if !slices.Contains(b.cats, cat) {
		b.cats = append(b.cats, cat)
	}
	if !slices.Contains(b.sets, set) {
		b.sets = append(b.sets, set)
	}
	b.val[[2]string{cat, set}] = e
}

// figure draws the bars with error bars on f, categories and sets sorted.
func (b *bars) figure(f *figure, label func(float64) string, offset int) []string {
	sort.SliceStable(b.sets, func(i, j int) bool { return lessNatural(b.sets[i], b.sets[j]) })
	return b.draw(f, label, offset)
}

// draw draws the bars on f with the sets in their order; colors start at
// the offset-th of the palette.
func (b *bars) draw(f *figure, label func(float64) string, offset int) []string {
	sortCategories(b.cats)
	gb := &groupedBars{n: len(b.cats), textStyle: f.p.X.Tick.Label}
	gb.textStyle.Font.Size = vg.Points(9)
	var names []string
	for j, set := range b.sets {
		bs := barSet{label: set, color: plotutil.Color(j + offset), labelValue: label}
		for _, cat := range b.cats {
			e, ok := b.val[[2]string{cat, set}]
			if !ok {
				e = Estimate{Median: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
			}
			bs.values = append(bs.values, e.Median)
			bs.lo = append(bs.lo, e.Lo)
			bs.hi = append(bs.hi, e.Hi)
		}
		gb.sets = append(gb.sets, bs)
		f.add(set, barThumb{bs.color})
		names = append(names, set)
	}
	f.p.Add(gb)
	f.p.NominalX(b.cats...)
	f.grid.Vertical.Color = nil // categories need no vertical lines
	return names
}

func throughputPlot(a *analysis, g plotGroup, dir string) ([]string, error) {
	b := newBars()
	for _, i := range g.idx {
		s := a.series[i]
		cat, ok := s.axes[AxisComm]
		if !ok {
			cat = s.name()
		}
		set := "median ops/s"
		if v, ok := s.axes[AxisDirectPut]; ok {
			set = "direct put " + onOff(v)
		}
		b.put(cat, set, a.stats[i].OpsPerSec)
	}
	f := newFigure("Throughput (median, 95% CI): "+g.title, "communication mode", "throughput (ops/s)")
	names := b.figure(f, fmtNum, 0)
	return f.save(dir, "throughput-"+g.slug, names)
}

func onOff(v string) string {
	if on, ok := parseBoolAxis(v); ok {
		if on {
			return "on"
		}
		return "off"
	}
	return v
}

// speedupPlots draws the direct-put speedups, one plot per operation:
// a bar per mode and size.
func speedupPlots(a *analysis, dir string) ([]PlotFile, error) {
	byOp := map[string]*bars{}
	var ops []string
	for _, sp := range a.speedups {
		b := byOp[sp.Op]
		if b == nil {
			b = newBars()
			byOp[sp.Op] = b
			ops = append(ops, sp.Op)
		}
		cat, ok := sp.Axes[AxisComm]
		if !ok {
			cat = "all"
		}
		set := axesKey(without(sp.Axes, AxisComm, AxisOp), " ")
		if set == "" {
			set = "speedup"
		}
		b.put(cat, set, Estimate{N: 2, Median: float64(sp.Ratio), Lo: float64(sp.Lo), Hi: float64(sp.Hi)})
	}
	var out []PlotFile
	for _, op := range ops {
		b := byOp[op]
		title := "Direct-put speedup (on/off, 95% CI): op=" + op
		f := newFigure(title, "communication mode", "throughput ratio, direct put on / off")
		names := b.figure(f, func(v float64) string { return fmt.Sprintf("%.2fx", v) }, 2)
		one, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: 1}, {X: float64(len(b.cats)) - 0.5, Y: 1}})
		if err != nil {
			return nil, fmt.Errorf("speedup plot: %w", err)
		}
		one.LineStyle = draw.LineStyle{Color: color.Gray{Y: 80}, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
		f.p.Add(one)
		f.add("1.0 = no speedup", one)
		names = append(names, "1.0 = no speedup")
		files, err := f.save(dir, "speedup-"+slug(op), names)
		if err != nil {
			return nil, err
		}
		out = append(out, PlotFile{Kind: "speedup", Title: title, Files: files})
	}
	return out, nil
}

// percentTicks label a 0..100 axis every 10.
type percentTicks struct{}

func (percentTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for v := 0.0; v <= 100; v += 5 {
		if v < lo || v > hi {
			continue
		}
		label := ""
		if int(v)%10 == 0 {
			label = fmt.Sprintf("%g", v)
		}
		out = append(out, plot.Tick{Value: v, Label: label})
	}
	return out
}
