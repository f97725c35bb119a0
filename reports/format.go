package reports

import (
	"fmt"
	"math"
	"strings"
)

// fmtNum renders a rate with about four significant digits.
func fmtNum(v float64) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "n/a"
	case a >= 1000:
		return fmt.Sprintf("%.0f", v)
	case a >= 100:
		return fmt.Sprintf("%.1f", v)
	case a >= 10:
		return fmt.Sprintf("%.2f", v)
	case a >= 1:
		return fmt.Sprintf("%.3f", v)
	case a == 0:
		return "0"
	}
	return fmt.Sprintf("%.3g", v)
}

// fmtEst renders a median with its interval: "4567 [4501, 4620]".
func fmtEst(e Estimate) string {
	if e.N == 0 {
		return "n/a"
	}
	if e.N == 1 || e.Lo == e.Hi {
		return fmtNum(e.Median)
	}
	return fmt.Sprintf("%s [%s, %s]", fmtNum(e.Median), fmtNum(e.Lo), fmtNum(e.Hi))
}

// fmtLat renders a latency given in microseconds with a unit that suits it.
func fmtLat(us float64) string {
	a := math.Abs(us)
	switch {
	case math.IsNaN(us):
		return "n/a"
	case a < 1000:
		return fmt.Sprintf("%.0f µs", us)
	case a < 1e6:
		return fmt.Sprintf("%.2f ms", us/1e3)
	}
	return fmt.Sprintf("%.2f s", us/1e6)
}

// fmtRatio renders a ratio with its interval: "1.23x [1.10, 1.35]".
func fmtRatio(r, lo, hi float64) string {
	if math.IsNaN(r) {
		return "n/a"
	}
	if math.IsNaN(lo) || lo == hi {
		return fmt.Sprintf("%.2fx", r)
	}
	return fmt.Sprintf("%.2fx [%.2f, %.2f]", r, lo, hi)
}

// fmtPct renders a relative change: "+12.3%".
func fmtPct(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%+.1f%%", 100*v)
}

// fmtP renders a p-value.
func fmtP(p float64) string {
	switch {
	case math.IsNaN(p):
		return "n/a"
	case p < 0.001:
		return "<0.001"
	}
	return fmt.Sprintf("%.3f", p)
}

// fmtMetric renders a value of metric m.
func fmtMetric(m Metric, v float64) string {
	if m.Unit == "us" {
		return fmtLat(v)
	}
	return fmtNum(v)
}

// mdEscape makes s safe inside a Markdown table cell.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
