// Package proxy is the etlcore gateway: it holds the cluster map and the
// bucket list, redirects object requests to their owner targets, merges
// listings, and runs the ETL control plane and jobs. A cluster has one or
// more proxies: the primary owns the metadata and replicates every version
// to the others (replica.go, primary.go), which serve reads and forward
// changes to it; when the primary stops answering, another takes over
// (election.go).
package proxy

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/netcount"
	"github.com/etlbench/etlbench/etlcore/prefixmux"
)

// Config configures a proxy.
type Config struct {
	ID        string // node id (default "p1")
	Host      string
	Port      int
	Advertise string
	Dir       string // state: cluster map, buckets, ETLs
	AuthToken string // when set, the control API requires it
	// HealthInterval is how often targets and proxies are probed
	// (default 500ms).
	HealthInterval time.Duration
	// Peers are the URLs of the cluster's other proxies, asked at start
	// which proxy is primary (none: this proxy starts as the primary).
	Peers  []string
	Logger *log.Logger
}

// Proxy is the gateway node.
type Proxy struct {
	cfg    Config
	url    string
	client *http.Client
	log    *log.Logger

	mu      sync.RWMutex
	smap    api.Smap
	buckets map[string]bool
	bmdVer  int64     // version of the bucket set: +1 per create or destroy
	uuid    string    // the cluster's id in AIStore's cluster map (persisted)
	created time.Time // when the cluster was first started (persisted)
	started time.Time // when this proxy process started

	// bmdMu orders what targets learn of the bucket set: bucket creates
	// and destroys (with their broadcast) and cluster-map pushes (which
	// carry the whole set) go one at a time, so each target sees the
	// versions in order.
	bmdMu sync.Mutex

	ctl *control // ETL control plane and jobs
	// net counts the bytes of the proxy's connections (netcount.go).
	net netcount.Counter

	// role is roleStarting, rolePrimary or roleNonPrimary (primary.go).
	role atomic.Int32
	// metaVer is the version of the metadata the proxy holds (p.mu).
	metaVer int64
	// dirty is set when the metadata changed since the last replication;
	// dirtyc wakes the push loop.
	dirty  atomic.Bool
	dirtyc chan struct{}
	// pushMu orders replications: one version at a time.
	pushMu sync.Mutex
	// acked is the metadata version each other proxy holds, as it last
	// answered a push (ackMu).
	ackMu sync.Mutex
	acked map[string]int64
}

// New creates a proxy, loading the state it persisted before (if any).
func New(cfg Config) (*Proxy, error) {
	if cfg.ID == "" {
		cfg.ID = "p1"
	}
	if cfg.HealthInterval <= 0 {
		cfg.HealthInterval = 500 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = log.New(os.Stderr, "proxy "+cfg.ID+": ", log.LstdFlags|log.Lmicroseconds)
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("proxy: state dir: %w", err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	p := &Proxy{cfg: cfg, log: cfg.Logger, buckets: map[string]bool{}, dirtyc: make(chan struct{}, 1), acked: map[string]int64{}}
	p.client = &http.Client{Transport: p.net.PeerTransport(tr, cfg.ID)}
	p.ctl = newControl(p)
	rep, err := p.loadReplica()
	if err != nil {
		return nil, err
	}
	if rep != nil {
		p.adopt(rep)
	}
	p.started = time.Now()
	if p.uuid == "" {
		p.uuid, p.created = newClusterUUID(), time.Now()
	}
	return p, nil
}

// URL is the proxy's advertised URL (valid once Run listens).
func (p *Proxy) URL() string { return p.url }

// Run listens, takes its role (start.go) and serves until ctx is done;
// ready is called with the URL once the proxy has its role.
func (p *Proxy) Run(ctx context.Context, ready func(url string)) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(p.cfg.Host, fmt.Sprint(p.cfg.Port)))
	if err != nil {
		return fmt.Errorf("proxy: listen: %w", err)
	}
	p.url = p.cfg.Advertise
	if p.url == "" {
		p.url = "http://" + ln.Addr().String()
	}
	ln, srv := p.countedServer(ln, p.byRole(p.routes()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go p.pushLoop(hctx)
	if err := p.start(hctx); err != nil {
		srv.Close()
		return err
	}
	go p.healthLoop(hctx)
	if ready != nil {
		ready(p.url)
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("proxy: serve: %w", err)
	}
	p.ctl.shutdown()
	sctx, c2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer c2()
	_ = srv.Shutdown(sctx)
	return nil
}

func (p *Proxy) routes() http.Handler {
	mux := prefixmux.New()
	mux.HandleFunc(api.PathObjects, p.handleObject)
	mux.HandleFunc(api.PathBuckets, p.handleBucket)
	p.aisRoutes(mux)
	mux.HandleFunc(api.PathCluster, p.handleCluster)
	mux.HandleFunc(api.PathCluster+"/", p.handleCluster)
	mux.HandleFunc(api.PathHealth, func(w http.ResponseWriter, r *http.Request) {
		api.WriteJSON(w, api.NodeInfo{ID: p.cfg.ID, Role: "proxy", URL: p.url, Alive: true})
	})
	mux.HandleFunc(api.PathMetrics, p.handleMetrics)
	mux.HandleFunc(api.PathInternal+"meta", p.handleMeta)
	p.ctl.routes(mux)
	return mux
}

// authorized checks the control API token.
func (p *Proxy) authorized(w http.ResponseWriter, r *http.Request) bool {
	if api.CheckToken(r, p.cfg.AuthToken) {
		return true
	}
	api.WriteErr(w, r, http.StatusUnauthorized, "missing or wrong auth token (send 'Authorization: Bearer <token>')")
	return false
}

// saveStateLocked records that the cluster map or the bucket set changed
// (the replication persists and pushes it); p.mu is held.
func (p *Proxy) saveStateLocked() { p.markDirty() }

// writeFileAtomic writes v as JSON to path via a temporary file and rename.
func writeFileAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
