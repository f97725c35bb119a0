package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// A proxy's role: starting (it answers only its metadata), primary (it
// owns the metadata and replicates it), or non-primary (it serves reads
// from its replica and forwards changes to the primary).
const (
	roleStarting int32 = iota
	rolePrimary
	roleNonPrimary
)

// hdrForwarded marks a request a non-primary forwarded to the primary; a
// non-primary that receives one refuses it rather than forward it again.
const hdrForwarded = "Etlcore-Forwarded-By"

// replicateTimeout bounds one push of the metadata to one proxy.
const replicateTimeout = 2 * time.Second

func (p *Proxy) isPrimary() bool { return p.role.Load() == rolePrimary }

// markDirty records that the metadata changed: the push loop (or the
// control request that changed it, before it answers) replicates it.
func (p *Proxy) markDirty() {
	p.dirty.Store(true)
	select {
	case p.dirtyc <- struct{}{}:
	default:
	}
}

// pushLoop replicates every change of the metadata until ctx ends.
func (p *Proxy) pushLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.dirtyc:
			p.replicate()
		}
	}
}

// replicate makes a new version of the metadata if it changed since the
// last one, persists it and pushes it to every live proxy; it returns once
// each has answered or failed. On a proxy that is not primary it does
// nothing.
func (p *Proxy) replicate() {
	p.pushMu.Lock()
	defer p.pushMu.Unlock()
	if !p.isPrimary() || !p.dirty.Swap(false) {
		return
	}
	p.mu.Lock()
	p.metaVer++
	p.mu.Unlock()
	snap := p.snapshot()
	if err := writeFileAtomic(p.metaPath(), snap); err != nil {
		p.log.Printf("persist metadata version %d: %v", snap.Version, err)
	}
	p.pushReplicaLocked(snap, p.peerProxies(true))
}

// peerProxies returns the other proxies of the map (only the live ones
// when alive is set).
func (p *Proxy) peerProxies(alive bool) []api.NodeInfo {
	sm := p.Smap()
	var out []api.NodeInfo
	for _, n := range sm.AllProxies() {
		if n.ID != p.cfg.ID && (n.Alive || !alive) {
			out = append(out, n)
		}
	}
	return out
}

// pushReplicaLocked sends snap to proxies at once and records the version
// each holds; p.pushMu is held.
func (p *Proxy) pushReplicaLocked(snap *replica, proxies []api.NodeInfo) {
	if len(proxies) == 0 {
		return
	}
	body, err := json.Marshal(snap)
	if err != nil {
		p.log.Printf("encode metadata version %d: %v", snap.Version, err)
		return
	}
	var wg sync.WaitGroup
	for _, n := range proxies {
		wg.Go(func() {
			ver, err := p.pushReplicaTo(n, body)
			if err != nil {
				p.log.Printf("push metadata version %d to proxy %s: %v", snap.Version, n.ID, err)
				return
			}
			p.ackMu.Lock()
			p.acked[n.ID] = ver
			p.ackMu.Unlock()
		})
	}
	wg.Wait()
}

// pushReplicaTo sends the encoded metadata to one proxy and returns the
// version it holds after.
func (p *Proxy) pushReplicaTo(n api.NodeInfo, body []byte) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), replicateTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, n.URL+api.PathInternal+"meta", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set(api.HdrContentType, "application/json")
	p.auth(req)
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	var mr metaReply
	if err := json.NewDecoder(resp.Body).Decode(&mr); err != nil {
		return 0, fmt.Errorf("decode answer: %w", err)
	}
	return mr.Version, nil
}

// catchUp pushes the metadata to a live proxy that does not hold its
// current version (it missed a push).
func (p *Proxy) catchUp(n api.NodeInfo) {
	p.pushMu.Lock()
	defer p.pushMu.Unlock()
	p.ackMu.Lock()
	acked := p.acked[n.ID]
	p.ackMu.Unlock()
	p.mu.RLock()
	cur := p.metaVer
	p.mu.RUnlock()
	if !p.isPrimary() || cur == 0 || acked >= cur {
		return
	}
	p.pushReplicaLocked(p.snapshot(), []api.NodeInfo{n})
}

// isControlWrite reports whether r may change the metadata: any method
// but GET and HEAD, except on objects (which only redirect).
func isControlWrite(r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return false
	}
	return !strings.HasPrefix(r.URL.Path, api.PathObjects)
}

// byRole serves a request by the proxy's role. Every proxy answers its
// own metadata (GET/PUT /v1/_internal/meta). A starting proxy refuses the
// rest (503). The primary serves everything and, for a control write,
// replicates the change to every proxy before it answers, so that a
// client that asks another proxy next sees the same state. A non-primary
// serves reads (objects redirect to their owner; listings, the ETL list,
// job status from its replica and the targets) and forwards every control
// write to the primary.
func (p *Proxy) byRole(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == api.PathInternal+"meta" {
			next.ServeHTTP(w, r)
			return
		}
		switch p.role.Load() {
		case roleStarting:
			api.WriteErr(w, r, http.StatusServiceUnavailable, "proxy %s is starting (joining the cluster): ask another proxy or retry", p.cfg.ID)
		case rolePrimary:
			if !isControlWrite(r) {
				next.ServeHTTP(w, r)
				return
			}
			rec := newRecorder()
			next.ServeHTTP(rec, r)
			p.replicate()
			rec.writeTo(w)
		default:
			if !isControlWrite(r) {
				next.ServeHTTP(w, r)
				return
			}
			p.forward(w, r)
		}
	})
}

// forward sends r to the primary and its answer back; when the primary
// does not answer the error names the failover that replaces it.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request) {
	if by := r.Header.Get(hdrForwarded); by != "" {
		api.WriteErr(w, r, http.StatusServiceUnavailable, "proxy %s is not primary and proxy %s took it for the primary: a failover is under way (within %v); retry", p.cfg.ID, by, FailoverBound)
		return
	}
	prim := p.Smap().Proxy
	u, err := url.Parse(prim.URL)
	if prim.ID == "" || err != nil {
		api.WriteErr(w, r, http.StatusServiceUnavailable, "proxy %s knows no primary proxy: retry", p.cfg.ID)
		return
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.Out.Host = pr.In.Host
			pr.Out.Header.Set(hdrForwarded, p.cfg.ID)
		},
		Transport: p.client.Transport,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			api.WriteErr(w, r, http.StatusServiceUnavailable, "proxy %s: the primary proxy %s at %s does not answer (%v): a failover elects a new primary within %v; retry",
				p.cfg.ID, prim.ID, prim.URL, err, FailoverBound)
		},
	}
	rp.ServeHTTP(w, r)
}

// recorder keeps a handler's answer until the change it made is
// replicated.
type recorder struct {
	hdr    http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{hdr: http.Header{}} }

func (rc *recorder) Header() http.Header { return rc.hdr }

func (rc *recorder) WriteHeader(status int) {
	if rc.status == 0 {
		rc.status = status
	}
}

func (rc *recorder) Write(b []byte) (int, error) {
	if rc.status == 0 {
		rc.status = http.StatusOK
	}
	return rc.body.Write(b)
}

// writeTo sends the kept answer.
func (rc *recorder) writeTo(w http.ResponseWriter) {
	for k, vs := range rc.hdr {
		w.Header()[k] = vs
	}
	if rc.status == 0 {
		rc.status = http.StatusOK
	}
	w.WriteHeader(rc.status)
	_, _ = w.Write(rc.body.Bytes())
}
