package loadgen

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/etlbench/etlbench/reports/result"
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
	// DefaultMinSize and DefaultMaxSize are aisloader's object sizes.
	DefaultMinSize = 1 << 10
	DefaultMaxSize = 1 << 20
)

// Config is every setting of one load run. The zero value of a field means
// its default (see Normalize); Run records the normalized Config in
// result.json.
type Config struct {
	// Proxy is the cluster's proxy URL.
	Proxy string
	// Proxies are more proxies of the cluster (one of several): worker i
	// sends its object requests to the (i mod n)th of Proxy and these;
	// control requests go to Proxy.
	Proxies []string
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

// Normalize reads the aisloader spellings of c as etlbench's (aliases),
// fills the defaults and checks every setting, returning a *FieldError
// that names the setting and the problem. It is idempotent.
func (c *Config) Normalize() error {
	c.applyAliases()
	c.applyDefaults()
	return c.validate()
}

// Open reports whether c is an open-loop run.
func (c *Config) Open() bool { return c.Rate > 0 }

// Offline reports whether c runs offline jobs.
func (c *Config) Offline() bool { return c.operation().traits().kind == kindJob }

// SizeDist returns the size distribution of c.
func (c *Config) SizeDist() SizeDist {
	return SizeDist{Min: c.MinSize, Max: c.MaxSize, Weighted: c.Sizes}
}

// readOp is the non-PUT operation of c's mix ("" when c is all PUT or offline).
func (c *Config) readOp() string {
	o := c.operation()
	if o.traits().kind != kindRead {
		return ""
	}
	if m, ok := o.(mixedOp); ok {
		return m.read(c)
	}
	return c.Op
}

// Map renders every setting as flag name -> value (result.json "config").
func (c *Config) Map() map[string]string {
	m := map[string]string{
		"proxy":         strings.Join(append([]string{c.Proxy}, c.Proxies...), ","),
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
