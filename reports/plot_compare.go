package reports

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// writeComparePlots writes overlay plots of both sides of c: a latency
// spectrum per plot group (A solid, B dashed, a color per mode) and
// throughput bars per operation (a pair of bars per cell).
func writeComparePlots(c *Comparison, dir string) ([]PlotFile, error) {
	var out []PlotFile
	// Plot groups over the A side's series that have a match.
	var matched []*series
	pairOf := map[int]seriesPair{}
	for _, p := range c.pairs {
		pairOf[len(matched)] = p
		matched = append(matched, p.a)
	}
	for _, g := range groupBy(matched, AxisComm) {
		title := fmt.Sprintf("Latency by percentile, %s vs %s: %s", c.LabelA, c.LabelB, g.title)
		f := newFigure(title, "percentile (log scale of 1/(1-q))", "latency (ms)")
		f.p.X.Scale = plot.LogScale{}
		f.p.X.Tick.Marker = spectrumTicks{}
		f.p.Y.Min = 0
		var names []string
		for k, i := range g.idx {
			p := pairOf[i]
			sides := []struct {
				label  string
				xys    plotter.XYs
				dashed bool
			}{
				{c.LabelA, seriesSpectrum(c.a, p.ia), false},
				{c.LabelB, seriesSpectrum(c.b, p.ib), true},
			}
			for _, sd := range sides {
				if len(sd.xys) == 0 {
					continue
				}
				label := g.labels[k] + " (" + sd.label + ")"
				if err := addLine(f, sd.xys, label, lineStyle(k, sd.dashed)); err != nil {
					return nil, err
				}
				names = append(names, label)
			}
		}
		if len(names) == 0 {
			continue
		}
		f.p.Y.Max *= 1.08
		files, err := f.save(dir, "compare-spectrum-"+g.slug, names)
		if err != nil {
			return nil, err
		}
		out = append(out, PlotFile{Kind: "spectrum", Title: title, Files: files})
	}
	for _, g := range groupBy(matched, AxisComm, AxisDirectPut) {
		b := newBars()
		for k, i := range g.idx {
			p := pairOf[i]
			cat := g.labels[k]
			if v, ok := p.a.axes[AxisComm]; ok {
				cat = v
				if dp, ok := p.a.axes[AxisDirectPut]; ok {
					cat += "\ndirect put " + onOff(dp)
				}
			}
			b.put(cat, c.LabelA, c.a.stats[p.ia].OpsPerSec)
			b.put(cat, c.LabelB, c.b.stats[p.ib].OpsPerSec)
		}
		title := fmt.Sprintf("Throughput (median, %g%% CI), %s vs %s: %s", 100*c.Level, c.LabelA, c.LabelB, g.title)
		f := newFigure(title, "cell", "throughput (ops/s)")
		// Keep A first, B second, whatever their names.
		b.sets = []string{c.LabelA, c.LabelB}
		names := b.draw(f, fmtNum, 0)
		files, err := f.save(dir, "compare-throughput-"+g.slug, names)
		if err != nil {
			return nil, err
		}
		out = append(out, PlotFile{Kind: "throughput", Title: title, Files: files})
	}
	return out, nil
}
