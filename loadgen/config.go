package loadgen

import (
	"fmt"
	"github.com/etlbench/etlbench/reports/result"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Operations (Config.Op). The first five are also the keys of the summary
// in result.json.
const (
	OpGet       = result.OpGet
	OpPut       = result.OpPut
	OpETLGet    = result.OpETLGet
	OpETLCopy   = result.OpETLCopy
	OpETLBucket = result.OpETLBucket
	OpETLMulti  = result.OpETLMulti
	OpMixed     = result.OpMixed
	OpList      = result.OpList
)

// Ops lists the accepted values of Config.Op.
var Ops = []string{OpGet, OpPut, OpETLGet, OpETLCopy, OpETLBucket, OpETLMulti, OpMixed, OpClientETLGet, OpClientETLCopy, OpList}

// Communication modes (Config.Comm).
var Comms = []string{"hpush", "hpull", "ws"}

// Defaults of the settings a zero Config leaves unset.
const (
	DefaultWorkers       = 10
	DefaultStatsInterval = 10 * time.Second
	DefaultMaxLag        = 5 * time.Second
	DefaultDrainTimeout  = 30 * time.Second
	DefaultJobPoll       = 200 * time.Millisecond
)

// Config is every setting of one load run. The zero value of a field means
// its default (see Normalize); Run records the normalized Config in
// result.json.
type Config struct {
	// Proxy is the cluster's proxy URL.
	Proxy string
	// Token is the bearer token for the control API, if the cluster needs one.
	Token string
	// Bucket is the source bucket (created when missing).
	Bucket string
	// DstBucket is where etl-copy and offline jobs write (default Bucket+"-out").
	DstBucket string

	// Duration is the measured part of the run (warm-up excluded); 0 runs
	// until MaxPuts, TotalPutSize or Epochs end it (or ctx is cancelled).
	Duration time.Duration
	// Warmup runs the load for this long before measuring; its intervals
	// are kept (flagged) but not in the summary.
	Warmup time.Duration
	// StatsInterval is the length of one stats interval (and of the
	// progress lines).
	StatsInterval time.Duration

	// Workers: closed loop, the number of concurrent workers (default 10);
	// open loop, the most requests in flight (default rate/10, 16..4096).
	Workers int
	// Rate > 0 selects the open loop: operations per second.
	Rate float64
	// MaxLag (open loop): a send that would be made later than this after
	// its intended start is not made and is counted as missed.
	MaxLag time.Duration
	// Timeout bounds one request (0: none).
	Timeout time.Duration
	// DrainTimeout bounds how long requests in flight may take to finish
	// once the run stops issuing.
	DrainTimeout time.Duration

	// Op is the operation: get, put, etl-get, etl-copy, etl-bucket,
	// etl-multi or mixed.
	Op string
	// PctPut is the percentage of PUTs among the requests (get, etl-get,
	// etl-copy and mixed); put means 100.
	PctPut int
	// MinSize, MaxSize: sizes of PUT objects, uniform in [MinSize, MaxSize].
	MinSize, MaxSize int64
	// Sizes, when set, replaces MinSize/MaxSize by a weighted list.
	Sizes []WeightedSize
	// Seed of every random choice (0: chosen from the clock; the one used
	// is in the result).
	Seed int64
	// MaxPuts ends the run after this many PUTs (0: no limit).
	MaxPuts int64
	// TotalPutSize ends the run after this many bytes were PUT (0: no limit).
	TotalPutSize int64
	// Epochs: reads go over every object of the bucket in order this many
	// times and then the run ends; offline ops run this many jobs.
	Epochs int
	// Objects: make sure the bucket has at least this many objects before
	// the run (Populate, with the run's size distribution).
	Objects int
	// ObjPrefix is the name prefix of the objects the run PUTs
	// (default "lg-<seed>/").
	ObjPrefix string

	// ETLName is the ETL to use: an ETL running on the cluster, or a
	// built-in transformer name (then, without ETLSpec, the loader builds a
	// spec, inits it and deletes it at the end).
	ETLName string
	// ETLSpec is an init spec (JSON or YAML) the loader inits before the run
	// and deletes after it.
	ETLSpec []byte
	// ETLArgs are passed as etl_args with every transform.
	ETLArgs string
	// Pipeline lists further ETLs applied after ETLName.
	Pipeline []string
	// Comm is the communication mode of a spec the loader builds.
	Comm string
	// DirectPut sets support_direct_put of a built spec and the direct-put
	// switch of offline jobs.
	DirectPut bool
	// JobWorkers is the num-workers of offline jobs (0 auto, -1 one per
	// mountpath, >0 exact).
	JobWorkers int
	// Template (etl-multi) is a range template of source names, e.g.
	// "obj-{00000000..00000999}"; default: the listed objects.
	Template string
	// JobPoll is how often offline job progress is polled.
	JobPoll time.Duration

	// Verify checks every result: a transformed object against the
	// transform computed locally (built-in transformers); a plain GET of
	// the run's own PUT against the bytes it PUT, of any other object
	// against its listed size and the cluster's xxhash64 checksum; a
	// listing against the objects known to be there; after a PUT-only
	// run, a sample of its PUTs read back.
	Verify bool
	// Window, when set, is called with true when the measured window
	// starts (the warm-up's end) and with false once the last request has
	// ended, before any cleanup: etlbench run reads the servers' CPU from
	// /proc in between (for clusters without etlcore's cost counters).
	Window func(start bool)
	// VerifyHash checks the checksum header of every plain GET.
	VerifyHash bool
	// Cleanup: at the end, delete the objects the run PUT and destroy the
	// buckets it created.
	Cleanup bool

	// OutDir, when set, receives result.json and one <op>.hlog per operation.
	OutDir string
	// JSON: progress lines and the final summary as JSON.
	JSON bool
	// Display: "auto" (bars on a terminal, lines otherwise), "bars",
	// "lines" or "none".
	Display string

	// Scenario, Cell, CellID and Repeat identify a scenario cell run.
	Scenario string
	Cell     map[string]string
	CellID   string
	Repeat   int
	// ClusterKind (embedded, kubernetes, external) and Mountpaths describe
	// the cluster in the result when the caller knows them.
	ClusterKind string
	Mountpaths  int
	// LinkCounters, when set, reads the emulated network's per-link byte
	// counters for the result's costs.
	LinkCounters LinkCounterFunc
	// Network describes the cluster's emulated network (result.ClusterInfo.Network).
	Network string
}

// Normalize fills the defaults of c and checks every setting, returning an
// error that names the setting and the problem.
func (c *Config) Normalize() error {
	if strings.TrimSpace(c.Proxy) == "" {
		return fmt.Errorf("no proxy URL")
	}
	if !strings.HasPrefix(c.Proxy, "http://") && !strings.HasPrefix(c.Proxy, "https://") {
		return fmt.Errorf("proxy %q: want an http:// or https:// URL", c.Proxy)
	}
	if c.Bucket == "" {
		return fmt.Errorf("--bucket is required")
	}
	if err := checkBucketName(c.Bucket); err != nil {
		return fmt.Errorf("--bucket: %w", err)
	}
	if c.Op == "" {
		c.Op = OpGet
	}
	if !contains(Ops, c.Op) {
		return fmt.Errorf("--op %q: want one of %s", c.Op, strings.Join(Ops, ", "))
	}
	if c.DstBucket == "" {
		c.DstBucket = c.Bucket + "-out"
	}
	if err := checkBucketName(c.DstBucket); err != nil {
		return fmt.Errorf("destination bucket: %w", err)
	}
	if c.DstBucket == c.Bucket && (c.Op == OpETLCopy || c.Op == OpETLBucket || c.Op == OpETLMulti || c.Op == OpClientETLCopy) {
		return fmt.Errorf("destination bucket %q is the source bucket", c.DstBucket)
	}
	if c.Duration < 0 || c.Warmup < 0 || c.StatsInterval < 0 || c.MaxLag < 0 || c.Timeout < 0 || c.DrainTimeout < 0 || c.JobPoll < 0 {
		return fmt.Errorf("durations must not be negative")
	}
	if c.StatsInterval == 0 {
		c.StatsInterval = DefaultStatsInterval
	}
	if c.StatsInterval < 10*time.Millisecond {
		return fmt.Errorf("--statsinterval %s: must be at least 10ms", c.StatsInterval)
	}
	if c.MaxLag == 0 {
		c.MaxLag = DefaultMaxLag
	}
	if c.DrainTimeout == 0 {
		c.DrainTimeout = DefaultDrainTimeout
	}
	if c.JobPoll == 0 {
		c.JobPoll = DefaultJobPoll
	}
	if c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) {
		return fmt.Errorf("--rate %v: must be a finite number >= 0 (0 = closed loop)", c.Rate)
	}
	if c.Rate > 1e7 {
		return fmt.Errorf("--rate %v: at most 10,000,000 ops/s", c.Rate)
	}
	if c.Workers < 0 {
		return fmt.Errorf("--numworkers %d: must be > 0", c.Workers)
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
		if c.Rate > 0 {
			// Open loop: enough to keep the rate with up to 100 ms per request.
			c.Workers = min(max(int(math.Ceil(c.Rate/10)), 16), 4096)
		}
	}
	if c.Workers > 100000 {
		return fmt.Errorf("--numworkers %d: at most 100000", c.Workers)
	}
	if c.PctPut < 0 || c.PctPut > 100 {
		return fmt.Errorf("--pctput %d: must be 0..100", c.PctPut)
	}
	if c.Op == OpGet && c.PctPut == 100 {
		c.Op = OpPut // aisloader's -pctput=100
	}
	switch c.Op {
	case OpPut:
		if c.PctPut != 0 && c.PctPut != 100 {
			return fmt.Errorf("--op put with --pctput %d: --op put is 100%% PUT (use --op mixed)", c.PctPut)
		}
		c.PctPut = 100
	case OpMixed:
		if c.PctPut <= 0 || c.PctPut >= 100 {
			return fmt.Errorf("--op mixed needs --pctput between 1 and 99, got %d", c.PctPut)
		}
	case OpList:
		if c.PctPut != 0 {
			return fmt.Errorf("--op list lists the bucket; --pctput does not apply (use --op mixed for PUTs and GETs)")
		}
	case OpETLBucket, OpETLMulti:
		if c.PctPut != 0 {
			return fmt.Errorf("--op %s runs offline jobs; --pctput does not apply", c.Op)
		}
		if c.Rate > 0 {
			return fmt.Errorf("--op %s runs offline jobs; --rate does not apply", c.Op)
		}
	}
	if c.MinSize < 0 || c.MaxSize < 0 {
		return fmt.Errorf("--minsize/--maxsize must be >= 0")
	}
	if c.MaxSize == 0 && c.MinSize == 0 && len(c.Sizes) == 0 {
		c.MinSize, c.MaxSize = 1<<10, 1<<20 // aisloader's defaults
	}
	if c.MaxSize == 0 && c.MinSize > 0 {
		c.MaxSize = c.MinSize
	}
	if err := c.SizeDist().Validate(); err != nil {
		return err
	}
	if c.MaxPuts < 0 || c.TotalPutSize < 0 || c.Epochs < 0 || c.Objects < 0 || c.Repeat < 0 {
		return fmt.Errorf("--maxputs, --totalputsize, --epochs, --objects must be >= 0")
	}
	if c.Comm == "" {
		c.Comm = "hpush"
	}
	c.Comm = strings.TrimSuffix(strings.ToLower(c.Comm), "://")
	if !contains(Comms, c.Comm) {
		return fmt.Errorf("--comm %q: want hpush, hpull or ws", c.Comm)
	}
	needETL := c.Op == OpETLGet || c.Op == OpETLCopy || c.Op == OpETLBucket || c.Op == OpETLMulti
	if needETL && c.ETLName == "" && len(c.ETLSpec) == 0 {
		return fmt.Errorf("--op %s needs an ETL: pass --etl NAME or --etl-spec FILE", c.Op)
	}
	if IsClientOp(c.Op) {
		if len(c.ETLSpec) > 0 || len(c.Pipeline) > 0 {
			return fmt.Errorf("--op %s runs one built-in transformer in the loader: --etl-spec and --pipeline do not apply", c.Op)
		}
		if c.ETLName == "" {
			return fmt.Errorf("--op %s needs --etl naming the built-in transformer to run in the loader (%s)", c.Op, builtinNames())
		}
		if !isBuiltin(c.ETLName) {
			return fmt.Errorf("--op %s --etl %q: not a built-in transformer (%s)", c.Op, c.ETLName, builtinNames())
		}
		if c.Verify {
			return fmt.Errorf("--op %s computes the transform locally: --verify does not apply", c.Op)
		}
	}
	if c.Op == OpETLMulti && c.Template != "" && !strings.Contains(c.Template, "{") {
		return fmt.Errorf("--template %q: want a range template like obj-{0000..0999}", c.Template)
	}
	if c.JobWorkers < -1 {
		return fmt.Errorf("--job-workers %d: want 0 (auto), -1 (one per mountpath) or > 0", c.JobWorkers)
	}
	switch c.Display {
	case "":
		c.Display = "auto"
	case "auto", "bars", "lines", "none":
	default:
		return fmt.Errorf("--display %q: want auto, bars, lines or none", c.Display)
	}
	isOffline := c.Op == OpETLBucket || c.Op == OpETLMulti
	if !isOffline && c.Duration == 0 && c.MaxPuts == 0 && c.TotalPutSize == 0 && c.Epochs == 0 {
		return fmt.Errorf("nothing ends the run: set --duration, --maxputs, --totalputsize or --epochs")
	}
	if c.Epochs > 0 && c.Rate > 0 {
		return fmt.Errorf("--epochs reads in order and --rate paces: use one of them")
	}
	return nil
}

// Open reports whether c is an open-loop run.
func (c *Config) Open() bool { return c.Rate > 0 }

// Offline reports whether c runs offline jobs.
func (c *Config) Offline() bool { return c.Op == OpETLBucket || c.Op == OpETLMulti }

// SizeDist returns the size distribution of c.
func (c *Config) SizeDist() SizeDist {
	return SizeDist{Min: c.MinSize, Max: c.MaxSize, Weighted: c.Sizes}
}

// readOp is the non-PUT operation of c's mix ("" when c is all PUT or offline).
func (c *Config) readOp() string {
	switch c.Op {
	case OpGet, OpETLGet, OpETLCopy, OpClientETLGet, OpClientETLCopy, OpList:
		return c.Op
	case OpMixed:
		if c.ETLName != "" || len(c.ETLSpec) > 0 {
			return OpETLGet
		}
		return OpGet
	}
	return ""
}

// Map renders every setting as flag name -> value (result.json "config").
func (c *Config) Map() map[string]string {
	m := map[string]string{
		"proxy":         c.Proxy,
		"bucket":        c.Bucket,
		"dst-bucket":    c.DstBucket,
		"duration":      c.Duration.String(),
		"warmup":        c.Warmup.String(),
		"statsinterval": c.StatsInterval.String(),
		"numworkers":    strconv.Itoa(c.Workers),
		"rate":          strconv.FormatFloat(c.Rate, 'g', -1, 64),
		"max-lag":       c.MaxLag.String(),
		"timeout":       c.Timeout.String(),
		"op":            c.Op,
		"pctput":        strconv.Itoa(c.PctPut),
		"sizes":         c.SizeDist().String(),
		"minsize":       strconv.FormatInt(c.MinSize, 10),
		"maxsize":       strconv.FormatInt(c.MaxSize, 10),
		"seed":          strconv.FormatInt(c.Seed, 10),
		"maxputs":       strconv.FormatInt(c.MaxPuts, 10),
		"totalputsize":  strconv.FormatInt(c.TotalPutSize, 10),
		"epochs":        strconv.Itoa(c.Epochs),
		"objects":       strconv.Itoa(c.Objects),
		"etl":           c.ETLName,
		"etl-args":      c.ETLArgs,
		"pipeline":      strings.Join(c.Pipeline, ","),
		"comm":          c.Comm,
		"direct-put":    strconv.FormatBool(c.DirectPut),
		"job-workers":   strconv.Itoa(c.JobWorkers),
		"template":      c.Template,
		"verify":        strconv.FormatBool(c.Verify),
		"verifyhash":    strconv.FormatBool(c.VerifyHash),
		"cleanup":       strconv.FormatBool(c.Cleanup),
	}
	if len(c.ETLSpec) > 0 {
		m["etl-spec"] = "(inline, see etl_spec)"
	}
	return m
}

// checkBucketName rejects names the object API cannot carry.
func checkBucketName(b string) error {
	if len(b) > 255 {
		return fmt.Errorf("bucket name longer than 255 bytes")
	}
	if b == "." || b == ".." {
		return fmt.Errorf("bucket name %q is not allowed", b)
	}
	for _, r := range b {
		ok := r == '-' || r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return fmt.Errorf("bucket name %q: only letters, digits, '-', '_' and '.' are allowed", b)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
