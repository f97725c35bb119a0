// Package runtime is where transformers run: the process runtime (local
// child processes, the embedded default) and the Kubernetes runtime (pods
// next to their targets, through client-go). A target starts one transformer
// per ETL through a Runtime.
package runtime

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/etlbench/etlbench/etlcore/etl"
)

// StartRequest is everything a runtime needs to start one transformer.
type StartRequest struct {
	Spec      *etl.Spec // validated spec
	TargetID  string    // the target starting it
	TargetURL string    // AIS_TARGET_URL: <target URL>/v1/etl/_object/<etl>/<secret>
	DirectPut bool      // DIRECT_PUT
	// Mountpaths of the target: the transformer may read etl_fqn files there.
	Mountpaths []string
	// WorkDir is a directory the runtime may use (logs, sockets).
	WorkDir string
}

// Metrics are a transformer's resource use.
type Metrics struct {
	CPUSeconds float64 `json:"cpu_seconds"` // user+system CPU time consumed
	RSSBytes   int64   `json:"rss_bytes"`   // resident memory now
	PeakRSS    int64   `json:"peak_rss_bytes,omitempty"`
}

// Instance is one running transformer.
type Instance interface {
	// URL is the transformer's base URL, e.g. http://127.0.0.1:41234.
	URL() string
	// Done is closed when the transformer exits or fails.
	Done() <-chan struct{}
	// Err says why it ended (nil while running or after a requested Stop).
	Err() error
	// Logs writes the transformer's captured output so far.
	Logs(w io.Writer) error
	// Metrics returns its current resource use.
	Metrics(ctx context.Context) (Metrics, error)
	// Stop stops it and frees everything it holds; idempotent.
	Stop(ctx context.Context) error
}

// ErrOwnerLeaving is wrapped by an Instance's Err when the transformer
// ended because the target that owns it is going away (on Kubernetes: the
// transformer pod was deleted with its owner, the target's pod). That is
// the target's shutdown, not the transformer's failure.
var ErrOwnerLeaving = errors.New("deleted with its owner, the target's pod, which is going away")

// Runtime starts transformers. Start returns once the instance is started
// (not necessarily healthy); the caller waits for GET /health.
type Runtime interface {
	Name() string
	Start(ctx context.Context, req StartRequest) (Instance, error)
}

// HealthTimeout is how long one health probe may take.
const HealthTimeout = 2 * time.Second
