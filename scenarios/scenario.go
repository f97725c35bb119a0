package scenarios

import (
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/etlbench/etlbench/etlcore/embedded"
)

// Scenario is one scenario file: what to run and how often.
type Scenario struct {
	// Name identifies the scenario in results and directory names.
	Name        string
	Description string
	// Seed makes the run order and the generated data reproducible.
	Seed    int64
	Cluster Cluster
	Dataset Dataset
	// Transformers are the ETLs the matrix may name (built-ins with
	// arguments, or custom spec files).
	Transformers []Transformer
	Matrix       Matrix
	Load         LoadSpec
	// Repeats is how many times each cell runs (at least 1).
	Repeats int
	// Warmup runs before each cell's measured Duration.
	Warmup   time.Duration
	Duration time.Duration

	// File is the path the scenario was loaded from.
	File string

	root *yaml.Node     // the document, for Set
	sets []string       // applied --set overrides, in order
	pos  map[string]int // field path -> line (negative: -(k+1) = sets[k])
	dir  string         // the directory of File, for relative spec paths
}

// Cluster kinds.
const (
	ClusterEmbedded   = "embedded"
	ClusterKubernetes = "kubernetes"
	// ClusterAisnode is a local AIStore cluster of aisnode processes that
	// the run brings up (or the user's own AIStore given with --proxy).
	ClusterAisnode = "aisnode"
)

// Values of the matrix's cluster axis: the same cells against etlcore
// (the embedded cluster) and against AIStore (aisnode), in one run.
const (
	PeerEtlcore = "etlcore"
	PeerAisnode = "aisnode"
)

// Cluster is the shape of the cluster the scenario runs on.
type Cluster struct {
	Kind       string // embedded (default) | kubernetes | aisnode
	Targets    int    // default 3
	Proxies    int    // embedded: proxies, default 1 (p1 primary)
	Mountpaths int    // per target, default 1
	// Network is the network of an embedded cluster the run brings up:
	// loopback (default) or emulated, with shaped node and client links.
	Network embedded.NetSpec
}

// Content kinds of generated objects.
const (
	ContentRandom = "random"
	ContentText   = "text"
	ContentJPEG   = "jpeg"
	ContentWAV    = "wav"
)

// Dataset is the data the cells read: generated once per (size, content)
// and reused by every cell that needs the same data.
type Dataset struct {
	// Objects is the number of objects per dataset bucket.
	Objects int
	// Sizes is a fixed list of object sizes (objects take them in turn).
	Sizes []Size
	// MinSize and MaxSize give uniformly random sizes instead of Sizes.
	MinSize, MaxSize Size
	// Content is the default content kind (random, text, jpeg, wav).
	Content string
	// Bucket is the prefix of the dataset buckets' names.
	Bucket string
}

// Transformer is one ETL a cell can use.
type Transformer struct {
	// Name is how matrix.transformer refers to it.
	Name string
	// Builtin is the built-in transformer it runs (default: Name, when
	// Name is a built-in). Empty with Spec.
	Builtin string
	// Args are passed as etl_args with every request.
	Args string
	// Content overrides the dataset content for cells with this transformer.
	Content string
	// Spec is a custom ETL spec file (JSON or YAML), relative to the
	// scenario file; its name, communication and support_direct_put are
	// set per cell.
	Spec string
	// SpecPath is Spec resolved against the scenario's directory.
	SpecPath string
	// InitTimeout and ObjTimeout, when set, go into the ETL spec.
	InitTimeout, ObjTimeout time.Duration
}

// Matrix holds the axes; a cell is one value of each non-empty axis.
type Matrix struct {
	// Cluster runs every cell against each of these clusters (etlcore,
	// aisnode), the cells of one point back to back in alternating order.
	Cluster     []string
	Comm        []string // hpush | hpull | ws
	DirectPut   []bool
	Size        []Size
	Transformer []string
	Op          []string
	Model       []string
	Workers     []int
	Rate        []float64
}

// Load models.
const (
	ModelClosed = "closed"
	ModelOpen   = "open"
)

// LoadSpec is how the loader drives each cell.
type LoadSpec struct {
	Model   string  // closed (default) | open
	Workers int     // closed loop: concurrent workers; open loop: the most in flight
	Rate    float64 // open loop: operations per second
	PctPut  int     // op mixed: percent of PUTs (default 30)
}

// Communication modes, as matrix.comm spells them.
const (
	CommHPush = "hpush"
	CommHPull = "hpull"
	CommWS    = "ws"
)

// Sets returns the --set overrides applied so far.
func (s *Scenario) Sets() []string { return append([]string(nil), s.sets...) }
