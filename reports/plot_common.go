package reports

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Plot size and formats.
const (
	plotW = 9 * vg.Inch
	plotH = 5.5 * vg.Inch
	dpi   = 110
)

// figure is a plot with its legend drawn beside it (never over the data).
type figure struct {
	p      *plot.Plot
	legend plot.Legend
	n      int // legend entries
	grid   *plotter.Grid
}

// newFigure returns a figure with a title, axis labels and readable fonts.
func newFigure(title, xLabel, yLabel string) *figure {
	p := plot.New()
	if len(title) > 60 {
		// Long titles go on two lines so they fit over the plot.
		title = strings.Replace(title, ": ", ":\n", 1)
	}
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(15)
	p.Title.Padding = vg.Points(8)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font.Size = vg.Points(12)
		ax.Tick.Label.Font.Size = vg.Points(10.5)
	}
	p.X.Tick.Marker = niceTicks{}
	p.Y.Tick.Marker = niceTicks{}
	grid := plotter.NewGrid()
	p.Add(grid)
	lg := plot.NewLegend()
	lg.Padding = vg.Points(4)
	lg.Top, lg.Left = true, true
	lg.TextStyle.Font.Size = vg.Points(10.5)
	lg.ThumbnailWidth = vg.Points(22)
	return &figure{p: p, legend: lg, grid: grid}
}

// add adds a legend entry.
func (f *figure) add(name string, thumbs ...plot.Thumbnailer) {
	f.legend.Add(name, thumbs...)
	f.n++
}

// legendWidth is the width of the legend column.
func (f *figure) legendWidth(names []string) vg.Length {
	if f.n == 0 {
		return 0
	}
	var w vg.Length
	for _, n := range names {
		w = max(w, f.legend.TextStyle.Width(n))
	}
	w += f.legend.ThumbnailWidth + vg.Points(24)
	return min(w, plotW*0.4)
}

// draw renders the figure onto c: the plot on the left, the legend in a
// column on the right.
func (f *figure) draw(c draw.Canvas, names []string) {
	lw := f.legendWidth(names)
	f.p.Draw(draw.Crop(c, 0, -lw, 0, 0))
	if lw > 0 {
		lc := draw.Crop(c, c.Size().X-lw+vg.Points(8), 0, 0, -vg.Points(36))
		f.legend.Draw(lc)
	}
}

// save writes the figure as dir/base.png and dir/base.svg and returns the
// file names written (relative to dir).
func (f *figure) save(dir, base string, names []string) ([]string, error) {
	png := vgimg.NewWith(vgimg.UseWH(plotW, plotH), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	f.draw(draw.New(png), names)
	svg := vgsvg.New(plotW, plotH)
	bg := draw.New(svg)
	bg.FillPolygon(color.White, []vg.Point{{X: 0, Y: 0}, {X: plotW, Y: 0}, {X: plotW, Y: plotH}, {X: 0, Y: plotH}})
	f.draw(bg, names)
	var out []string
	for _, w := range []struct {
		ext string
		wt  io.WriterTo
	}{{".png", vgimg.PngCanvas{Canvas: png}}, {".svg", svg}} {
		name := base + w.ext
		if err := writeTo(filepath.Join(dir, name), w.wt); err != nil {
			return out, err
		}
		out = append(out, name)
	}
	return out, nil
}

func writeTo(path string, wt io.WriterTo) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing plot: %w", err)
	}
	if _, err := wt.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("writing plot %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing plot %s: %w", path, err)
	}
	return nil
}

// lineStyle is the style of the i-th line of a plot; dashed draws it dashed
// (the B side of a comparison).
func lineStyle(i int, dashed bool) draw.LineStyle {
	s := draw.LineStyle{Color: plotutil.Color(i), Width: vg.Points(2)}
	if dashed {
		s.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	}
	return s
}

// slug turns s into a file-name-safe string.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_'
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimRight(b.String(), "-")
	if out == "" {
		return "all"
	}
	if len(out) > 100 {
		out = out[:100]
	}
	return out
}

// barSet is one series of a grouped bar chart: a value per category with
// the bounds of its error bar.
type barSet struct {
	label      string
	values     []float64
	lo, hi     []float64
	color      color.Color
	labelValue func(float64) string // text above each bar (nil: none)
}

// groupedBars draws sets of bars side by side per category, with error bars.
type groupedBars struct {
	sets []barSet
	n    int // categories
	// textStyle for the value labels
	textStyle draw.TextStyle
}

func (g *groupedBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	k := len(g.sets)
	cat := trX(1) - trX(0)
	bw := cat * 0.8 / vg.Length(k)
	y0 := trY(math.Max(p.Y.Min, 0))
	for i := range g.n {
		for j, s := range g.sets {
			v := s.values[i]
			if math.IsNaN(v) {
				continue
			}
			xc := trX(float64(i)) + (vg.Length(j)-vg.Length(k-1)/2)*bw
			x0, x1 := xc-bw/2+bw*0.04, xc+bw/2-bw*0.04
			y := trY(v)
			c.FillPolygon(s.color, c.ClipPolygonY([]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y}, {X: x0, Y: y}}))
			top := y
			if lo, hi := s.lo[i], s.hi[i]; !math.IsNaN(lo) && !math.IsNaN(hi) && hi > lo {
				ls := draw.LineStyle{Color: color.Black, Width: vg.Points(1.2)}
				ylo, yhi := trY(lo), trY(hi)
				c.StrokeLine2(ls, xc, ylo, xc, yhi)
				c.StrokeLine2(ls, xc-bw/5, ylo, xc+bw/5, ylo)
				c.StrokeLine2(ls, xc-bw/5, yhi, xc+bw/5, yhi)
				top = max(top, yhi)
			}
			if s.labelValue != nil {
				ts := g.textStyle
				ts.XAlign, ts.YAlign = text.XCenter, text.YBottom
				c.FillText(ts, vg.Point{X: xc, Y: top + vg.Points(3)}, s.labelValue(v))
			}
		}
	}
}

func (g *groupedBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	ymin, ymax = 0, 0
	for _, s := range g.sets {
		for i := range s.values {
			for _, v := range []float64{s.values[i], s.lo[i], s.hi[i]} {
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					ymin, ymax = math.Min(ymin, v), math.Max(ymax, v)
				}
			}
		}
	}
	if ymax == 0 {
		ymax = 1
	}
	return -0.5, float64(g.n) - 0.5, ymin, ymax * 1.12
}

// barThumb is a legend thumbnail: a filled box.
type barThumb struct{ color color.Color }

func (b barThumb) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(b.color, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

// shade fills the X range [x0, x1] over the whole height of the plot.
type shade struct {
	x0, x1 float64
	color  color.Color
}

func (s shade) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	a, b := trX(s.x0), trX(s.x1)
	c.FillPolygon(s.color, c.ClipPolygonX([]vg.Point{{X: a, Y: c.Min.Y}, {X: b, Y: c.Min.Y}, {X: b, Y: c.Max.Y}, {X: a, Y: c.Max.Y}}))
}

func (s shade) DataRange() (xmin, xmax, ymin, ymax float64) {
	return s.x0, s.x1, math.Inf(1), math.Inf(-1)
}

func (s shade) Thumbnail(c *draw.Canvas) { barThumb{s.color}.Thumbnail(c) }

// spectrumTicks label the x axis of a percentile spectrum, 1/(1-q), with
// the percentile.
type spectrumTicks struct{}

func (spectrumTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	labels := []struct {
		x float64
		l string
	}{{1, "0%"}, {2, "50%"}, {10, "90%"}, {100, "99%"}, {1e3, "99.9%"}, {1e4, "99.99%"}, {1e5, "99.999%"}, {1e6, "99.9999%"}}
	for _, t := range labels {
		if t.x >= lo*0.999 && t.x <= hi*1.001 {
			out = append(out, plot.Tick{Value: t.x, Label: t.l})
		}
	}
	for d := 1.0; d <= hi; d *= 10 {
		for m := 2.0; m < 10; m++ {
			if x := d * m; x >= lo && x <= hi && !(m == 2 && d == 1) {
				out = append(out, plot.Tick{Value: x})
			}
		}
	}
	return out
}

// logTicks label a log axis at 1, 2, 5 times powers of ten (only powers of
// ten over wide ranges).
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if lo <= 0 || hi <= lo {
		return plot.LogTicks{}.Ticks(math.Max(lo, 1e-9), math.Max(hi, 1e-9))
	}
	wide := math.Log10(hi/lo) > 4
	var out []plot.Tick
	for d := math.Pow(10, math.Floor(math.Log10(lo))); d <= hi; d *= 10 {
		for m := 1.0; m < 10; m++ {
			x := d * m
			if x < lo || x > hi {
				continue
			}
			label := ""
			if m == 1 || !wide && (m == 2 || m == 5) {
				label = fmtTick(x)
			}
			out = append(out, plot.Tick{Value: x, Label: label})
		}
	}
	return out
}

func fmtTick(x float64) string {
	s := fmt.Sprintf("%.6g", x)
	return s
}

// niceTicks label a linear axis every 1, 2, 2.5 or 5 times a power of ten,
// with 4 to 10 labels.
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	span := hi - lo
	if !(span > 0) || math.IsInf(span, 0) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	raw := span / 6
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	// As many decimals as the step needs (250: 0, 2.5: 1, 0.25: 2).
	prec := max(0, int(-math.Floor(math.Log10(step)+1e-9)))
	for prec < 12 {
		x := step * math.Pow(10, float64(prec))
		if math.Abs(x-math.Round(x)) < 1e-6*x {
			break
		}
		prec++
	}
	var out []plot.Tick
	for i := math.Ceil(lo/step - 1e-9); i*step <= hi+step*1e-9; i++ {
		v := i * step
		if v == 0 {
			v = 0 // not -0
		}
		out = append(out, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', prec, 64)})
		if mid := v + step/2; mid <= hi {
			out = append(out, plot.Tick{Value: mid})
		}
	}
	return out
}
