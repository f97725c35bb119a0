// Package reportstest builds synthetic etlbench results with real HDR
// histograms, encoded as result.json holds them, for tests of reports and
// of the commands that use them.
package reportstest

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/etlbench/etlbench/reports/result"
)

// Cell describes the results to make for one cell of a matrix.
type Cell struct {
	Axes      map[string]string // matrix axes (result.Cell)
	Op        string            // operation measured (default etl-get)
	Repeats   int               // results to make (default 1)
	OpsPerSec float64           // throughput of every repeat (default 1000)
	ObjSize   int64             // bytes per op (default 64 KiB)
	// LatencyUS are the latencies recorded in every interval, each once per
	// pass, passes repeated to fill the interval's ops (default 1..1000).
	LatencyUS []int64
	ShiftUS   int64   // added to every latency
	Jitter    float64 // relative noise per repeat on throughput and latency (0: none)
	Intervals int     // measured intervals of one second (default 5)
	Warmup    int     // warm-up intervals before them (default 0)
	Errors    int64   // errors per repeat
	Config    map[string]string
	Seed      uint64 // noise seed (default 1)
}

// Results builds the results of every cell.
func Results(cells ...Cell) ([]*result.Result, error) {
	var out []*result.Result
	for _, c := range cells {
		rs, err := c.results()
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func (c Cell) results() ([]*result.Result, error) {
	if c.Op == "" {
		c.Op = result.OpETLGet
	}
	if c.Repeats <= 0 {
		c.Repeats = 1
	}
	if c.OpsPerSec <= 0 {
		c.OpsPerSec = 1000
	}
	if c.ObjSize <= 0 {
		c.ObjSize = 64 << 10
	}
	if len(c.LatencyUS) == 0 {
		c.LatencyUS = make([]int64, 1000)
		for i := range c.LatencyUS {
			c.LatencyUS[i] = int64(i + 1)
		}
	}
	if c.Intervals <= 0 {
		c.Intervals = 5
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	rng := rand.New(rand.NewPCG(c.Seed, 99))
	id := axesID(c.Axes)
	var out []*result.Result
	for rep := range c.Repeats {
		f := 1.0
		if c.Jitter > 0 {
			f = 1 + c.Jitter*rng.NormFloat64()
		}
		r, err := c.one(id, rep, f)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (c Cell) one(id string, rep int, f float64) (*result.Result, error) {
	opsPerSec := c.OpsPerSec * f
	perInterval := int64(opsPerSec + 0.5)
	start := epoch.Add(time.Duration(rep) * time.Hour)
	total := hdr.New(1, 3_600_000_000, 3)
	var intervals []result.Interval
	var ops, bytes int64
	for i := range c.Warmup + c.Intervals {
		h := hdr.New(1, 3_600_000_000, 3)
		for k := int64(0); k < perInterval; k++ {
			v := int64(float64(c.LatencyUS[k%int64(len(c.LatencyUS))])/f+0.5) + c.ShiftUS
			if err := h.RecordValue(max(v, 1)); err != nil {
				return nil, fmt.Errorf("recording %d: %w", v, err)
			}
		}
		enc, err := h.EncodeV2()
		if err != nil {
			return nil, fmt.Errorf("encoding histogram: %w", err)
		}
		warm := i < c.Warmup
		errs := int64(0)
		if !warm && i == c.Warmup {
			errs = c.Errors
		}
		iv := result.Interval{
			Start: start.Add(time.Duration(i) * time.Second), End: start.Add(time.Duration(i+1) * time.Second),
			Warmup: warm,
			Ops: map[string]result.IntervalOp{c.Op: {
				Ops: perInterval, Errors: errs, BytesOut: perInterval * c.ObjSize, Hist: string(enc),
			}},
		}
		intervals = append(intervals, iv)
		if !warm {
			total.Merge(h)
			ops += perInterval
			bytes += perInterval * c.ObjSize
		}
	}
	secs := float64(c.Intervals)
	cfg := map[string]string{"workers": "8", "duration": fmt.Sprintf("%ds", c.Intervals), "seed": fmt.Sprint(100 + rep), "out": fmt.Sprintf("/tmp/x/%s/%d", id, rep)}
	maps.Copy(cfg, c.Axes)
	maps.Copy(cfg, c.Config)
	r := &result.Result{
		Schema:   result.SchemaV1,
		Tool:     result.ToolInfo{Version: "test", GoVersion: "go1.26", OS: "linux", Arch: "amd64", CPUs: 2},
		Scenario: "synthetic",
		Cell:     maps.Clone(c.Axes),
		CellID:   id,
		Repeat:   rep,
		Config:   cfg,
		Cluster:  result.ClusterInfo{Kind: "embedded", Proxy: "http://127.0.0.1:1", Targets: 3},
		Seed:     int64(100 + rep),
		Model:    "closed",
		Workers:  8,
		Start:    start,
		End:      start.Add(time.Duration(c.Warmup+c.Intervals) * time.Second),
		Warmup:   float64(c.Warmup),
		Duration: secs,
		Summary: map[string]result.OpSummary{c.Op: {
			Ops: ops, Errors: c.Errors, BytesOut: bytes,
			OpsPerSec: float64(ops) / secs, MiBPerSec: float64(bytes) / (1 << 20) / secs,
			LatencyUS: result.Percentiles{
				P50: float64(total.ValueAtQuantile(50)), P90: float64(total.ValueAtQuantile(90)),
				P99: float64(total.ValueAtQuantile(99)), P999: float64(total.ValueAtQuantile(99.9)),
				Max: float64(total.Max()), Mean: total.Mean(), Min: float64(total.Min()),
			},
		}},
		Intervals: intervals,
	}
	return r, nil
}

// axesID is a stable id of a cell's axes: k=v pairs sorted by key.
func axesID(axes map[string]string) string {
	keys := slices.Sorted(maps.Keys(axes))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + axes[k]
	}
	return strings.Join(parts, ",")
}

// WriteDir writes each result to dir/<cell>/r<repeat>/result.json.
func WriteDir(dir string, results []*result.Result) error {
	for i, r := range results {
		name := strings.NewReplacer("=", "-", ",", "_", "/", "_").Replace(r.CellID)
		if name == "" {
			name = fmt.Sprintf("result%d", i)
		}
		d := filepath.Join(dir, name, fmt.Sprintf("r%d", r.Repeat))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("writing results: %w", err)
		}
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return fmt.Errorf("encoding result: %w", err)
		}
		if err := os.WriteFile(filepath.Join(d, "result.json"), b, 0o644); err != nil {
			return fmt.Errorf("writing results: %w", err)
		}
	}
	return nil
}
