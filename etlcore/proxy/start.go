package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// startRetry is how often a starting proxy asks its peers again.
const startRetry = 500 * time.Millisecond

// startAlone is how many rounds a starting proxy whose own metadata names
// it primary waits for a peer to answer before it starts as primary
// without them.
const startAlone = 3

// start decides the role of a proxy that begins serving. Without peers it
// is the primary. With peers it asks each for the metadata it holds; the
// newest (its own included) decides: if it names this proxy primary, this
// proxy is primary again; if it names another, this proxy joins that one
// as a non-primary (so a returning old primary joins the new one). It
// retries until one of these works or ctx ends.
func (p *Proxy) start(ctx context.Context) error {
	if len(p.cfg.Peers) == 0 {
		p.becomePrimary(ctx, "", 0, true, "the proxy restarted during the start")
		return nil
	}
	var lastErr error
	for attempt := 0; ; attempt++ {
		best, answered := p.newestOfPeers(ctx)
		own := p.snapshot()
		if best == nil || !best.newer(own.Version, own.Smap.Proxy.ID) {
			best = own
		}
		prim := best.Smap.Proxy
		switch {
		case prim.ID == p.cfg.ID && (answered > 0 || attempt >= startAlone):
			p.adopt(best)
			p.becomePrimary(ctx, "", 0, true, "the primary proxy restarted during the start")
			p.log.Printf("primary (metadata version %d; %d of %d peers answered)", best.Version, answered, len(p.cfg.Peers))
			return nil
		case prim.ID != "" && prim.ID != p.cfg.ID:
			err := p.joinPrimary(ctx, prim)
			if err == nil {
				p.role.Store(roleNonPrimary)
				p.log.Printf("joined primary proxy %s at %s as a non-primary", prim.ID, prim.URL)
				return nil
			}
			lastErr = err
		default:
			lastErr = fmt.Errorf("no peer names a primary yet (%d of %d answered)", answered, len(p.cfg.Peers))
		}
		if attempt > 0 && attempt%20 == 0 {
			p.log.Printf("still starting: %v", lastErr)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("proxy %s: join the cluster of peers %v: %w (last error: %v)", p.cfg.ID, p.cfg.Peers, ctx.Err(), lastErr)
		case <-time.After(startRetry):
		}
	}
}

// newestOfPeers asks every peer for its metadata and returns the newest
// and how many answered.
func (p *Proxy) newestOfPeers(ctx context.Context) (*replica, int) {
	var best *replica
	answered := 0
	for _, u := range p.cfg.Peers {
		if u == p.url {
			continue
		}
		r, err := p.fetchMeta(ctx, u)
		if err != nil {
			continue
		}
		answered++
		if best == nil || r.newer(best.Version, best.Smap.Proxy.ID) {
			best = r
		}
	}
	return best, answered
}

// joinPrimary registers this proxy with the primary and takes the
// metadata it answers.
func (p *Proxy) joinPrimary(ctx context.Context, prim api.NodeInfo) error {
	body, _ := json.Marshal(api.NodeInfo{ID: p.cfg.ID, Role: "proxy", URL: p.url, Alive: true})
	ctx, cancel := context.WithTimeout(ctx, 3*replicateTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, prim.URL+api.PathCluster+"/join", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("join primary %s: %w", prim.ID, err)
	}
	req.Header.Set(api.HdrContentType, "application/json")
	p.auth(req)
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("join primary %s at %s: %w", prim.ID, prim.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("join primary %s at %s: status %d", prim.ID, prim.URL, resp.StatusCode)
	}
	var r replica
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("join primary %s: decode its metadata: %w", prim.ID, err)
	}
	p.adopt(&r)
	return nil
}

// joinProxy registers (or re-registers) a proxy with this primary and
// answers the metadata; the replication that follows the request brings
// the new proxy the version made here.
func (p *Proxy) joinProxy(w http.ResponseWriter, r *http.Request, ni api.NodeInfo) {
	if ni.ID == p.cfg.ID {
		api.WriteErr(w, r, http.StatusConflict, "join: proxy id %q is this primary's own", ni.ID)
		return
	}
	ni.Role, ni.Alive = "proxy", true
	p.mu.Lock()
	p.smap.Proxies = upsertNode(p.smap.Proxies, ni)
	p.smap.Version++
	p.saveStateLocked()
	p.mu.Unlock()
	p.ackMu.Lock()
	delete(p.acked, ni.ID)
	p.ackMu.Unlock()
	p.log.Printf("proxy %s joined at %s", ni.ID, ni.URL)
	api.WriteJSON(w, p.snapshot())
	go p.pushSmap()
}
