package target

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/netcount"
	"github.com/etlbench/etlbench/etlcore/prefixmux"
	"github.com/etlbench/etlbench/etlcore/runtime"
)

// Config configures a target.
type Config struct {
	ID         string   // unique node id, e.g. "t1"
	Host       string   // address to listen on (127.0.0.1)
	Port       int      // 0: any free port
	Advertise  string   // URL others use to reach it (default http://Host:Port)
	ProxyURL   string   // the proxies to join, comma-separated, tried in turn
	Dir        string   // the node's state directory
	Mountpaths []string // object directories (default: Dir/mp1)
	Fsync      bool     // fsync every object before it becomes visible
	Runtime    runtime.Runtime
	AuthToken  string
	Logger     *log.Logger
}

// Target is a storage node.
type Target struct {
	cfg    Config
	store  *Store
	smap   atomic.Pointer[api.Smap]
	url    string
	client *http.Client
	log    *log.Logger
	etls   etlTable
	jobs   jobTable
	bmd    bmdState
	// leaving: the target is going away and refuses requests (leave).
	leaving atomic.Bool
	// net counts the bytes of the target's connections (netcount.go).
	net     netcount.Counter
	started time.Time
}

// New creates a target (its mountpaths included); Run serves it.
func New(cfg Config) (*Target, error) {
	if cfg.ID == "" {
		return nil, fmt.Errorf("target: empty id")
	}
	if len(cfg.Mountpaths) == 0 {
		cfg.Mountpaths = []string{filepath.Join(cfg.Dir, "mp1")}
	}
	st, err := NewStore(cfg.Mountpaths, cfg.Fsync)
	if err != nil {
		return nil, fmt.Errorf("target %s: %w", cfg.ID, err)
	}
	if cfg.Logger == nil {
		cfg.Logger = log.New(os.Stderr, "target "+cfg.ID+": ", log.LstdFlags|log.Lmicroseconds)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	t := &Target{cfg: cfg, store: st, log: cfg.Logger, started: time.Now()}
	t.client = &http.Client{Transport: t.net.PeerTransport(tr, cfg.ID)}
	t.etls.etls = map[string]*etlInst{}
	t.jobs.jobs = map[string]*tjob{}
	t.jobs.recv = map[string]*[2]atomic.Int64{}
	return t, nil
}

// Store returns the target's object store.
func (t *Target) Store() *Store { return t.store }

// URL is the target's advertised URL (valid once Run listens).
func (t *Target) URL() string { return t.url }

// Run listens, joins the proxy and serves until ctx is done. ready, if
// non-nil, is called with the URL once the target listens.
func (t *Target) Run(ctx context.Context, ready func(url string)) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(t.cfg.Host, fmt.Sprint(t.cfg.Port)))
	if err != nil {
		return fmt.Errorf("target %s: listen: %w", t.cfg.ID, err)
	}
	t.url = t.cfg.Advertise
	if t.url == "" {
		t.url = "http://" + ln.Addr().String()
	}
	ln, srv := t.countedServer(ln, t.routes())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if err := t.join(ctx); err != nil {
		srv.Close()
		return err
	}
	if ready != nil {
		ready(t.url)
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("target %s: serve: %w", t.cfg.ID, err)
	}
	// Stop taking requests first and let the ones in flight finish (an
	// inline transform needs its transformer), then stop the transformers:
	// no request meets an ETL aborted by the shutdown, and a transformer
	// that ends meanwhile is not reported as failed.
	t.leave("stopping")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	t.shutdown()
	return nil
}

// proxyURLs returns the proxies of Config.ProxyURL.
func (t *Target) proxyURLs() []string {
	var out []string
	for _, u := range strings.Split(t.cfg.ProxyURL, ",") {
		if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// primaryURL is the primary proxy of the target's cluster map (before the
// first map: the first proxy of Config.ProxyURL).
func (t *Target) primaryURL() string {
	if sm := t.smap.Load(); sm != nil && sm.Proxy.URL != "" {
		return sm.Proxy.URL
	}
	if us := t.proxyURLs(); len(us) > 0 {
		return us[0]
	}
	return ""
}

// join registers with a proxy of Config.ProxyURL, each tried in turn (any
// proxy forwards the join to the primary), retrying while none is up yet,
// and brings the local buckets in line with the cluster's.
func (t *Target) join(ctx context.Context) error {
	body, _ := json.Marshal(api.NodeInfo{ID: t.cfg.ID, Role: "target", URL: t.url, Alive: true})
	proxies := t.proxyURLs()
	if len(proxies) == 0 {
		return fmt.Errorf("target %s: no proxy to join (Config.ProxyURL is empty)", t.cfg.ID)
	}
	var lastErr error
	for attempt := 0; ; attempt++ {
		proxy := proxies[attempt%len(proxies)]
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, proxy+api.PathCluster+"/join", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if t.cfg.AuthToken != "" {
			req.Header.Set(api.HdrAuthorization, "Bearer "+t.cfg.AuthToken)
		}
		resp, err := t.client.Do(req)
		if err == nil {
			var jr api.ClusterMeta
			derr := json.NewDecoder(resp.Body).Decode(&jr)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && derr == nil {
				// The primary pushes the map of every later join too, and
				// a push may arrive before this answer is read: the
				// answer's map and buckets count only if not older.
				t.applySmap(&jr.Smap)
				t.joinBuckets(jr.Buckets, jr.BMDVersion)
				return nil
			}
			lastErr = fmt.Errorf("join %s: status %d (%v)", proxy, resp.StatusCode, derr)
			if resp.StatusCode < 500 {
				return fmt.Errorf("target %s: %w", t.cfg.ID, lastErr)
			}
		} else {
			lastErr = err
		}
		if attempt > 0 && attempt%20 == 0 {
			t.log.Printf("still joining proxies %s: %v", t.cfg.ProxyURL, lastErr)
		}
		if (attempt+1)%len(proxies) != 0 {
			continue // the next proxy at once
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("target %s: join proxies %s: %w (last error: %v)", t.cfg.ID, t.cfg.ProxyURL, ctx.Err(), lastErr)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// shutdown stops everything the target runs (transformers included).
func (t *Target) shutdown() {
	t.stopAllETLs()
}

func (t *Target) routes() http.Handler {
	mux := prefixmux.New()
	mux.HandleFunc(api.PathObjects, t.handleObject)
	mux.HandleFunc(api.PathBuckets, t.handleBucket)
	mux.HandleFunc(api.PathHealth, func(w http.ResponseWriter, r *http.Request) {
		api.WriteJSON(w, api.NodeInfo{ID: t.cfg.ID, Role: "target", URL: t.url, Alive: true})
	})
	mux.HandleFunc(api.PathInternal+"smap", t.handleSmap)
	mux.HandleFunc(api.PathDaemon, t.handleDaemon)
	t.etlRoutes(mux)
	return t.refuseWhileLeaving(mux)
}

// handleSmap serves GET /v1/_internal/smap (the versions the target
// holds, which a proxy that becomes primary asks) and PUT (the primary's
// cluster map and bucket set: a map older than the target's is not taken;
// the answer says whether it was, with the versions held after).
func (t *Target) handleSmap(w http.ResponseWriter, r *http.Request) {
	if !api.CheckToken(r, t.cfg.AuthToken) {
		api.WriteErr(w, r, http.StatusUnauthorized, "missing or wrong auth token")
		return
	}
	if r.Method == http.MethodGet {
		api.WriteJSON(w, t.versions(false))
		return
	}
	var meta api.ClusterMeta
	if _, err := api.ReadJSON(r, &meta); err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	applied := t.applySmap(&meta.Smap)
	t.syncBuckets(meta.Buckets, meta.BMDVersion)
	api.WriteJSON(w, t.versions(applied))
}

// applySmap takes sm as the target's cluster map unless the one it holds
// is newer, and reports whether it took it.
func (t *Target) applySmap(sm *api.Smap) bool {
	for {
		cur := t.smap.Load()
		if cur != nil && sm.Version < cur.Version {
			return false
		}
		if t.smap.CompareAndSwap(cur, sm) {
			return true
		}
	}
}

// versions returns the cluster-map and bucket-set versions the target holds.
func (t *Target) versions(applied bool) api.TargetVersions {
	tv := api.TargetVersions{Applied: applied}
	if sm := t.smap.Load(); sm != nil {
		tv.SmapVersion = sm.Version
	}
	t.bmd.mu.Lock()
	tv.BMDVersion = t.bmd.ver
	t.bmd.mu.Unlock()
	return tv
}

// writeStoreErr answers a storage error with its status.
func writeStoreErr(w http.ResponseWriter, r *http.Request, err error) {
	st := statusOf(err)
	var se *StoreError
	if st == 500 && !errors.As(err, &se) {
		api.WriteErr(w, r, st, "%v", err)
		return
	}
	if st == 507 {
		api.WriteErr(w, r, st, "insufficient storage: %v", err)
		return
	}
	api.WriteErr(w, r, st, "%v", err)
}
