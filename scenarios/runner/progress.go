package runner

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/etlbench/etlbench/internal/term"
	"github.com/etlbench/etlbench/scenarios"
)

// progress shows a run as it goes.
type progress interface {
	// cell says run i of total starts.
	cell(i, total int, c *scenarios.Cell)
	// phase says what the current run does now (populate, init ETL ...).
	phase(format string, a ...any)
	// populated reports population progress of the current run.
	populated(done, total int)
	// measure says the load runs now, for about d.
	measure(d time.Duration)
	// done says the current run ended; line is its one-line summary.
	done(line string)
	// say prints a message.
	say(format string, a ...any)
	// end finishes the display.
	end()
}

// newProgress picks the display: bars on a terminal, lines otherwise.
func newProgress(mode string, w io.Writer, total int) progress {
	if mode == "" || mode == DisplayAuto {
		mode = DisplayLines
		if term.CanDraw(w) {
			mode = DisplayBars
		}
	}
	switch mode {
	case DisplayBars:
		return newBars(w, total)
	case DisplayNone:
		return &lines{w: io.Discard}
	}
	return &lines{w: w, total: total}
}

// lines prints plain lines (CI logs, pipes).
type lines struct {
	mu    sync.Mutex
	w     io.Writer
	total int
	i     int
	id    string
	start time.Time
	last  int // populate progress last printed, in quarters
}

// printf prints one line; the caller holds l.mu.
func (l *lines) printf(format string, a ...any) {
	fmt.Fprintf(l.w, format+"\n", a...)
}

func (l *lines) cell(i, total int, c *scenarios.Cell) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.i, l.total, l.id, l.start, l.last = i, total, c.ID, time.Now(), 0
	l.printf("[%*d/%d] %s r%d", len(fmt.Sprint(total)), i+1, total, c.ID, c.Repeat)
}

func (l *lines) phase(format string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.printf("    "+format, a...)
}

// populated is called from the populating goroutines.
func (l *lines) populated(done, total int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if total <= 0 {
		return
	}
	if q := done * 4 / total; q > l.last {
		l.last = q
		l.printf("    populated %d/%d objects", done, total)
	}
}

func (l *lines) measure(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.printf("    load running for %v", d)
}

func (l *lines) done(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.printf("    %s (%.1fs)", line, time.Since(l.start).Seconds())
}

func (l *lines) say(format string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.printf(format, a...)
}

func (l *lines) end() {}

// bars draws an overall bar (cell runs done of total) and a bar for the
// current run, named by its cell ID and phase.
type bars struct {
	p       *mpb.Progress
	overall *mpb.Bar
	cur     *mpb.Bar
	label   atomic.Value // string: cell ID and phase
	base    atomic.Value // string: cell ID
	stopTk  chan struct{}
	mu      sync.Mutex
}

const barScale = 1000

func newBars(w io.Writer, total int) *bars {
	b := &bars{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(30), mpb.WithRefreshRate(150*time.Millisecond), mpb.WithAutoRefresh())}
	b.label.Store("")
	b.base.Store("")
	b.overall = b.p.AddBar(int64(total),
		mpb.PrependDecorators(decor.Name("cells ", decor.WC{W: 6}), decor.CountersNoUnit("%d/%d", decor.WC{W: 8})),
		mpb.AppendDecorators(decor.Elapsed(decor.ET_STYLE_MMSS), decor.Name("  eta "), decor.AverageETA(decor.ET_STYLE_MMSS)),
	)
	return b
}

func (b *bars) stopTicker() {
	if b.stopTk != nil {
		close(b.stopTk)
		b.stopTk = nil
	}
}

func (b *bars) cell(i, total int, c *scenarios.Cell) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stopTicker()
	if b.cur != nil {
		b.cur.Abort(true)
	}
	id := fmt.Sprintf("%s r%d", c.ID, c.Repeat)
	b.label.Store(id)
	b.cur = b.p.AddBar(barScale,
		mpb.PrependDecorators(decor.Any(func(decor.Statistics) string { return b.label.Load().(string) })),
		mpb.AppendDecorators(decor.Percentage(decor.WC{W: 5})),
		mpb.BarRemoveOnComplete(),
	)
	b.label.Store(id + ": starting")
	b.setLabelBase(id)
}

func (b *bars) setLabelBase(id string) { b.base.Store(id) }

func (b *bars) phase(format string, a ...any) {
	b.label.Store(b.base.Load().(string) + ": " + fmt.Sprintf(format, a...))
}

func (b *bars) populated(done, total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cur != nil && total > 0 {
		b.cur.SetCurrent(int64(done) * (barScale - 1) / int64(total))
	}
}

func (b *bars) measure(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stopTicker()
	if b.cur == nil || d <= 0 {
		return
	}
	bar, start, stop := b.cur, time.Now(), make(chan struct{})
	b.stopTk = stop
	bar.SetCurrent(0)
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				f := float64(time.Since(start)) / float64(d)
				bar.SetCurrent(int64(min(f, 0.999) * barScale))
			}
		}
	}()
}

func (b *bars) done(line string) {
	b.dropCurrent()
	fmt.Fprintf(b.p, "%s: %s\n", b.base.Load().(string), line)
	b.overall.Increment()
}

func (b *bars) say(format string, a ...any) { fmt.Fprintf(b.p, format+"\n", a...) }

func (b *bars) end() {
	b.dropCurrent()
	if !b.overall.Completed() {
		b.overall.Abort(false)
	}
	b.p.Wait()
}

// dropCurrent removes the current run's bar and its ticker.
func (b *bars) dropCurrent() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stopTicker()
	if b.cur != nil {
		b.cur.Abort(true)
		b.cur = nil
	}
}
