// Package result is the one result format: what `etlbench load` writes for
// each run (result.json) and what reports, comparisons and gates read.
// Changes must be additive; Schema names the version.
package result

import (
	"encoding/json"
	"time"
)

// SchemaV1 is the value of Result.Schema.
const SchemaV1 = "etlbench/result/v1"

// Operation names (keys of Result.Summary).
const (
	OpGet       = "get"
	OpPut       = "put"
	OpETLGet    = "etl-get"
	OpETLCopy   = "etl-copy"
	OpETLBucket = "etl-bucket"
	OpETLMulti  = "etl-multi" // offline multi-object (list/range) job
	// OpClientETLGet and OpClientETLCopy are the client-side baselines:
	// GET the raw object and transform it in the loader (and PUT the
	// result to the destination bucket).
	OpClientETLGet  = "client-etl-get"
	OpClientETLCopy = "client-etl-copy"
	// OpList lists the whole bucket (every page) as one operation.
	OpList = "list"
	// OpMixed is a load of PUTs and (ETL) GETs; its results are keyed by those.
	OpMixed = "mixed"
)

// IsClientOp reports whether op is a client-side baseline: it runs the
// transformer in the loader, so a scenario gives it the transformer axis
// but no ETL (no comm or direct_put).
func IsClientOp(op string) bool { return op == OpClientETLGet || op == OpClientETLCopy }

// Percentiles of a latency distribution, in microseconds.
type Percentiles struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
	Min  float64 `json:"min"`
}

// OpSummary is the whole-run summary of one operation.
type OpSummary struct {
	Ops       int64   `json:"ops"`
	Errors    int64   `json:"errors"`
	BytesIn   int64   `json:"bytes_in"`  // bytes sent to the cluster
	BytesOut  int64   `json:"bytes_out"` // bytes received from it
	OpsPerSec float64 `json:"ops_per_sec"`
	MiBPerSec float64 `json:"mib_per_sec"` // of the larger of bytes in and out
	// LatencyUS: open loop, measured from the intended start (corrected).
	LatencyUS Percentiles `json:"latency_us"`
	// ServiceLatencyUS: measured from the actual send (uncorrected); open loop only.
	ServiceLatencyUS *Percentiles     `json:"service_latency_us,omitempty"`
	TargetRate       float64          `json:"target_rate,omitempty"` // open loop, ops/s
	Missed           int64            `json:"missed,omitempty"`      // open loop sends that could not be made on time
	ErrorsByClass    map[string]int64 `json:"errors_by_class,omitempty"`
}

// IntervalOp is one operation's numbers in one stats interval.
type IntervalOp struct {
	Ops      int64 `json:"ops"`
	Errors   int64 `json:"errors"`
	BytesIn  int64 `json:"bytes_in"`
	BytesOut int64 `json:"bytes_out"`
	// Missed counts open-loop sends not made in this interval (too late).
	Missed int64 `json:"missed,omitempty"`
	// Hist is the latency histogram (microseconds) in HdrHistogram's
	// compressed, base64 form (corrected in open loop).
	Hist string `json:"hist"`
	// ServiceHist is the uncorrected histogram (open loop only).
	ServiceHist string `json:"service_hist,omitempty"`
}

// Interval is one stats interval.
type Interval struct {
	Start  time.Time             `json:"start"`
	End    time.Time             `json:"end"`
	Warmup bool                  `json:"warmup,omitempty"`
	Ops    map[string]IntervalOp `json:"ops"`
}

// ClusterInfo describes the cluster a run measured.
type ClusterInfo struct {
	Kind       string `json:"kind"` // embedded | kubernetes | external
	Proxy      string `json:"proxy"`
	Targets    int    `json:"targets"`
	Mountpaths int    `json:"mountpaths,omitempty"`
	Version    string `json:"version,omitempty"`
	// Network describes an emulated network, e.g. "emulated: node links
	// rate=10Gbit; client link rate=1Gbit,delay=5ms"; empty on loopback.
	Network string `json:"network,omitempty"`
}

// ToolInfo describes the loader's build and machine.
type ToolInfo struct {
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUs      int    `json:"cpus"`
	Host      string `json:"host,omitempty"`
}

// LoaderStats is the loader's own resource use (the harness measures itself).
type LoaderStats struct {
	PeakRSSBytes int64   `json:"peak_rss_bytes"`
	CPUSeconds   float64 `json:"cpu_seconds"`
	Goroutines   int     `json:"goroutines"`
}

// Result is one run of one cell: result.json.
type Result struct {
	Schema   string            `json:"schema"`
	Tool     ToolInfo          `json:"tool"`
	Scenario string            `json:"scenario,omitempty"`
	Cell     map[string]string `json:"cell,omitempty"` // matrix axes: comm, direct_put, size, transformer, op, ...
	CellID   string            `json:"cell_id,omitempty"`
	Repeat   int               `json:"repeat,omitempty"`
	// Config is every setting of the run (flag name -> value), compared by
	// `etlbench compare` to refuse mismatched results.
	Config   map[string]string `json:"config"`
	ETLSpec  json.RawMessage   `json:"etl_spec,omitempty"`
	SpecHash string            `json:"spec_hash,omitempty"`
	Cluster  ClusterInfo       `json:"cluster"`
	Seed     int64             `json:"seed"`
	Model    string            `json:"model"` // closed | open
	Workers  int               `json:"workers"`
	Rate     float64           `json:"rate,omitempty"`
	Start    time.Time         `json:"start"`
	End      time.Time         `json:"end"`
	Warmup   float64           `json:"warmup_sec,omitempty"`
	Duration float64           `json:"duration_sec"` // measured part, warm-up excluded

	Summary   map[string]OpSummary `json:"summary"`
	Intervals []Interval           `json:"intervals"`
	// Jobs are the cluster's final stats of offline jobs the run started.
	Jobs   []json.RawMessage `json:"jobs,omitempty"`
	Server json.RawMessage   `json:"server,omitempty"` // server-side ETL stats at the end
	Loader LoaderStats       `json:"loader"`
	// Costs are the run's CPU, memory and network bytes per process role
	// over the measured window.
	Costs *Costs `json:"costs,omitempty"`
	// ServerCPU is the cluster's processes' CPU over the load (etlbench
	// run, when it knows their pids).
	ServerCPU *ServerCPU `json:"server_cpu,omitempty"`
	Notes     []string   `json:"notes,omitempty"`
}

// ServerCPU is the CPU the cluster's server processes (proxies and
// targets) spent while a load ran, read from /proc by etlbench run: over
// the measured window (warm-up excluded) to the end of the last request,
// before any cleanup. It covers clusters whose nodes do not serve
// etlcore's cost counters (aisnode).
type ServerCPU struct {
	// Seconds is user + system CPU time summed over Processes.
	Seconds   float64 `json:"seconds"`
	Processes int     `json:"processes"`
	// Ops are the operations the loader made in that window (errors
	// too), so Seconds/Ops is the CPU per operation.
	Ops int64 `json:"ops"`
	// WindowSec is the window's length.
	WindowSec float64 `json:"window_sec"`
	// Source says where it was read: "proc" (/proc/<pid>/stat).
	Source string `json:"source"`
}

// PerOp is the CPU seconds per operation (0 without operations).
func (s *ServerCPU) PerOp() float64 {
	if s == nil || s.Ops == 0 {
		return 0
	}
	return s.Seconds / float64(s.Ops)
}
