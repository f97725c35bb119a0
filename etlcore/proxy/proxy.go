// Package proxy is the etlcore gateway: it holds the cluster map and the
// bucket list, redirects object requests to their owner targets, merges
// listings, and runs the ETL control plane and jobs.
package proxy

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
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
	// HealthInterval is how often targets are probed (default 500ms).
	HealthInterval time.Duration
	Logger         *log.Logger
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
	p := &Proxy{cfg: cfg, log: cfg.Logger, buckets: map[string]bool{}}
	p.client = &http.Client{Transport: p.net.PeerTransport(tr, cfg.ID)}
	if err := p.loadState(); err != nil {
		return nil, err
	}
	p.started = time.Now()
	if p.uuid == "" {
		p.uuid, p.created = newClusterUUID(), time.Now()
	}
	p.ctl = newControl(p)
	return p, nil
}

// URL is the proxy's advertised URL (valid once Run listens).
func (p *Proxy) URL() string { return p.url }

// Run listens and serves until ctx is done; ready is called with the URL.
func (p *Proxy) Run(ctx context.Context, ready func(url string)) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(p.cfg.Host, fmt.Sprint(p.cfg.Port)))
	if err != nil {
		return fmt.Errorf("proxy: listen: %w", err)
	}
	p.url = p.cfg.Advertise
	if p.url == "" {
		p.url = "http://" + ln.Addr().String()
	}
	p.mu.Lock()
	p.smap.Proxy = api.NodeInfo{ID: p.cfg.ID, Role: "proxy", URL: p.url, Alive: true}
	// Targets known from before a restart are down until they answer.
	for i := range p.smap.Targets {
		p.smap.Targets[i].Alive = false
	}
	p.mu.Unlock()
	ln, srv := p.countedServer(ln, p.routes())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
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

// state is what the proxy persists.
type state struct {
	Smap       api.Smap  `json:"smap"`
	Buckets    []string  `json:"buckets"`
	BMDVersion int64     `json:"bmd_version"`
	UUID       string    `json:"uuid,omitempty"`
	Created    time.Time `json:"created,omitzero"`
}

func (p *Proxy) statePath() string { return filepath.Join(p.cfg.Dir, "proxy-state.json") }

func (p *Proxy) loadState() error {
	b, err := os.ReadFile(p.statePath())
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("proxy: read state: %w", err)
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("proxy: parse state %s: %w", p.statePath(), err)
	}
	p.smap = st.Smap
	for _, bck := range st.Buckets {
		p.buckets[bck] = true
	}
	p.bmdVer = st.BMDVersion
	p.uuid, p.created = st.UUID, st.Created
	if p.bmdVer == 0 && len(st.Buckets) > 0 { // a state file from before versions
		p.bmdVer = 1
	}
	return nil
}

// saveStateLocked persists the cluster map and buckets; p.mu is held.
func (p *Proxy) saveStateLocked() {
	st := state{Smap: p.smap, BMDVersion: p.bmdVer, UUID: p.uuid, Created: p.created}
	for b := range p.buckets {
		st.Buckets = append(st.Buckets, b)
	}
	if err := writeFileAtomic(p.statePath(), st); err != nil {
		p.log.Printf("save state: %v", err)
	}
}

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
