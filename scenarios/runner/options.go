package runner

import (
	"context"
	"io"
	"time"

	"github.com/etlbench/etlbench/loadgen"
	"github.com/etlbench/etlbench/reports/result"
)

// LoadFunc runs the load of one cell run and returns its result (loadgen.Run).
type LoadFunc func(ctx context.Context, cfg loadgen.Config) (*result.Result, error)

// Display modes of the progress.
const (
	DisplayAuto  = "auto"  // bars on a terminal, lines otherwise
	DisplayBars  = "bars"  // mpb bars
	DisplayLines = "lines" // plain lines
	DisplayNone  = "none"  // nothing but errors
)

// RunOptions say where a scenario runs and where its results go.
type RunOptions struct {
	// Out is the results directory (default results/<scenario>-<timestamp>,
	// with results/latest pointing at it).
	Out string
	// ResultsRoot is the parent of the default Out and of "latest" (default "results").
	ResultsRoot string

	// ProxyURL is a running cluster to use (given by --proxy or
	// $AIS_ENDPOINT). Empty: the embedded cluster recorded in ClusterDir,
	// or, when none runs there, one brought up in ClusterDir for the run
	// (scenario cluster kind embedded only).
	ProxyURL string
	// ClusterDir is where an embedded cluster is recorded (default .etlbench/cluster).
	ClusterDir string
	// ClusterStarted says the embedded cluster in ClusterDir was brought
	// up for this run (by `etlbench run` before it entered the emulated
	// network's client namespace): the run brings it down at the end.
	ClusterStarted bool
	// Binary is the etlbench binary that runs the nodes of a cluster the
	// run brings up (default: this executable).
	Binary string
	// AisnodeDir is where an aisnode cluster is recorded (default
	// .etlbench/aisnode); AisnodeBinary the aisnode that runs one the run
	// brings up (default: aisnode.DefaultBinary).
	AisnodeDir, AisnodeBinary string
	// Token is the bearer token of the control API, if the cluster needs one.
	Token string

	// Load runs one cell's load (default loadgen.Run).
	Load LoadFunc
	// PopulateWorkers is how many PUTs populate a dataset at once (default 16).
	PopulateWorkers int
	// Cleanup destroys the dataset buckets at the end (they are kept by
	// default, so a later run on the same cluster reuses them).
	Cleanup bool
	// NoPlots skips the report's plots.
	NoPlots bool

	// Stdout receives the final table; Stderr the progress and messages.
	Stdout, Stderr io.Writer
	// Display is auto (default), bars, lines or none.
	Display string
	// PageCache is auto (default), fill or leave: whether the page cache
	// is filled before every cell on a local cluster (pagecache.go).
	PageCache string
	// Now is the clock (default time.Now), for the default Out name.
	Now func() time.Time

	// For tests: the free bytes of a directory's filesystem (default
	// statfs) and the wait after a storage cleanup (default spaceSettle).
	freeSpace     func(dir string) (uint64, bool)
	cleanupSettle time.Duration
	// For tests: the free memory a page cache fill reads down to
	// (default pagecache.DefaultTarget).
	fillTarget func() (uint64, error)
}
