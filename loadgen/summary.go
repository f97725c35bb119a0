package loadgen

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/etlbench/etlbench/reports/result"
)

// ResultFile is the name of the result in a results directory.
const ResultFile = "result.json"

// newResult starts the result of cfg: everything known before the run.
func newResult(cfg *Config) *result.Result {
	res := &result.Result{
		Schema:   result.SchemaV1,
		Tool:     toolInfo(),
		Scenario: cfg.Scenario,
		Cell:     cfg.Cell,
		CellID:   cfg.CellID,
		Repeat:   cfg.Repeat,
		Config:   cfg.Map(),
		Cluster:  result.ClusterInfo{Kind: cfg.ClusterKind, Proxy: cfg.Proxy, Mountpaths: cfg.Mountpaths, Network: cfg.Network},
		Seed:     cfg.Seed,
		Model:    "closed",
		Workers:  cfg.Workers,
		Warmup:   cfg.Warmup.Seconds(),
		Summary:  map[string]result.OpSummary{},
	}
	if res.Cluster.Kind == "" {
		res.Cluster.Kind = proxyKind(cfg.Proxy)
	}
	if cfg.Open() {
		res.Model = "open"
		res.Rate = cfg.Rate
	}
	if cfg.Offline() {
		res.Model = "offline"
	}
	return res
}

func toolInfo() result.ToolInfo {
	ti := result.ToolInfo{Version: "dev", GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			ti.Version = v
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				ti.Version += "+" + s.Value[:12]
			}
		}
	}
	if h, err := os.Hostname(); err == nil {
		ti.Host = h
	}
	return ti
}

// summarize fills res.Summary from the recorder's totals.
func (r *runner) summarize() {
	res := r.res
	dur := res.Duration
	for _, op := range r.rec.Ops() {
		t := r.rec.Total(op)
		s := result.OpSummary{
			Ops: t.Ops, Errors: t.Errors, BytesIn: t.BytesIn, BytesOut: t.BytesOut,
			LatencyUS: result.HistPercentiles(t.Hist), Missed: t.Missed,
		}
		if len(t.ErrorsByClass) > 0 {
			s.ErrorsByClass = t.ErrorsByClass
		}
		d := dur
		if r.cfg.Offline() {
			if jd := r.jobSeconds(); jd > 0 {
				d = jd
			}
		}
		if d > 0 {
			s.OpsPerSec = float64(t.Ops) / d
			s.MiBPerSec = float64(max(t.BytesIn, t.BytesOut)) / (1 << 20) / d
		}
		if r.cfg.Open() {
			p := result.HistPercentiles(t.Service)
			s.ServiceLatencyUS = &p
			s.TargetRate = r.cfg.Rate * r.share(op)
		}
		res.Summary[op] = s
	}
	for _, j := range r.jobs {
		res.Jobs = append(res.Jobs, j.status)
	}
}

// share is the fraction of the requests that are op.
func (r *runner) share(op string) float64 {
	if op == OpPut {
		return float64(r.cfg.PctPut) / 100
	}
	return float64(100-r.cfg.PctPut) / 100
}

// WriteResult writes res as dir/result.json.
func WriteResult(dir string, res *result.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("results directory: %w", err)
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	path := filepath.Join(dir, ResultFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	return nil
}

// ReadResult reads dir/result.json (or the file itself when path is one).
func ReadResult(path string) (*result.Result, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, ResultFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read result: %w", err)
	}
	var res result.Result
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("result %s: %w", path, err)
	}
	return &res, nil
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// writeSummary prints the run's summary: a table, or JSON (the
// "summary" object of result.json with the model and the notes).
func writeSummary(w io.Writer, res *result.Result, asJSON bool) {
	if asJSON {
		out := struct {
			Summary  map[string]result.OpSummary `json:"summary"`
			Model    string                      `json:"model"`
			Duration float64                     `json:"duration_sec"`
			Notes    []string                    `json:"notes,omitempty"`
		}{res.Summary, res.Model, res.Duration, res.Notes}
		b, _ := json.Marshal(out)
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n--- summary: %s loop", res.Model)
	if res.Model == "offline" {
		sb.Reset()
		fmt.Fprintf(&sb, "\n--- summary: offline jobs")
	}
	if res.Rate > 0 {
		fmt.Fprintf(&sb, " at %.6g ops/s", res.Rate)
	}
	fmt.Fprintf(&sb, ", %d workers, %.1fs measured ---\n", res.Workers, res.Duration)
	fmt.Fprintf(&sb, "%-11s %10s %8s %10s %9s %9s %9s %9s %9s %9s %9s\n",
		"OP", "OPS", "ERRORS", "OPS/S", "MiB/S", "p50", "p90", "p99", "p99.9", "max", "mean")
	for _, op := range slices.Sorted(maps.Keys(res.Summary)) {
		s := res.Summary[op]
		l := s.LatencyUS
		fmt.Fprintf(&sb, "%-11s %10d %8d %10.1f %9.2f %9s %9s %9s %9s %9s %9s\n", op, s.Ops, s.Errors, s.OpsPerSec, s.MiBPerSec,
			fmtUS(l.P50), fmtUS(l.P90), fmtUS(l.P99), fmtUS(l.P999), fmtUS(l.Max), fmtUS(l.Mean))
		if s.ServiceLatencyUS != nil {
			v := s.ServiceLatencyUS
			fmt.Fprintf(&sb, "%-11s %10s %8s %10s %9s %9s %9s %9s %9s %9s %9s\n", "  service", "", "", "", "",
				fmtUS(v.P50), fmtUS(v.P90), fmtUS(v.P99), fmtUS(v.P999), fmtUS(v.Max), fmtUS(v.Mean))
		}
		if s.TargetRate > 0 {
			fmt.Fprintf(&sb, "%-11s target %.6g ops/s, achieved %.6g ops/s, missed %d\n", "", s.TargetRate, s.OpsPerSec, s.Missed)
		}
		if len(s.ErrorsByClass) > 0 {
			var parts []string
			for _, k := range slices.Sorted(maps.Keys(s.ErrorsByClass)) {
				parts = append(parts, fmt.Sprintf("%s=%d", k, s.ErrorsByClass[k]))
			}
			fmt.Fprintf(&sb, "%-11s errors: %s\n", "", strings.Join(parts, " "))
		}
		fmt.Fprintf(&sb, "%-11s bytes in %s, out %s\n", "", fmtBytes(s.BytesIn), fmtBytes(s.BytesOut))
	}
	for _, n := range res.Notes {
		fmt.Fprintf(&sb, "note: %s\n", n)
	}
	fmt.Fprintf(&sb, "loader: peak RSS %s, CPU %.2fs, goroutines %d\n", fmtBytes(res.Loader.PeakRSSBytes), res.Loader.CPUSeconds, res.Loader.Goroutines)
	writeCosts(&sb, res.Costs)
	_, _ = io.WriteString(w, sb.String())
}

// fmtUS renders microseconds with a readable unit.
func fmtUS(us float64) string {
	switch {
	case us == 0:
		return "-"
	case us < 1000:
		return fmt.Sprintf("%.0fus", us)
	case us < 1e6:
		return fmt.Sprintf("%.2fms", us/1e3)
	default:
		return fmt.Sprintf("%.2fs", us/1e6)
	}
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2fGiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2fMiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.2fKiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}
