package proxy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/etlbench/etlbench/etlcore/api"
)

// Failover. Every non-primary probes the primary each HealthInterval;
// after primaryProbes failed probes in a row (each bounded by
// probeTimeout) it takes the primary for gone. The proxies of the map,
// the gone primary left out, are ordered by highest random weight of
// their ids (keyed by the cluster's id, so every proxy computes the same
// order); the first one that answers takes over: it gathers the newest
// metadata any surviving proxy holds, makes a cluster map that names it
// primary with a version above every proxy's and every target's, and
// replicates and pushes it. A proxy further down the order that sees a
// live candidate before it waits for that one; if the candidate has not
// taken over after candidateWait more probes, it is passed over.
const (
	primaryProbes = 3
	probeTimeout  = 2 * time.Second
	candidateWait = 20
	// FailoverBound is how long a failover takes at most with the default
	// HealthInterval: detection (primaryProbes probes, each up to
	// probeTimeout) and the takeover.
	FailoverBound = 10 * time.Second
)

// primaryWatch is a non-primary's count of failed probes of the primary.
type primaryWatch struct {
	primary string
	fails   int
	since   time.Time // the first failed probe in a row
}

// hrwOrder orders nodes by highest random weight: xxhash64 of the
// cluster's id and the node's id, largest first.
func hrwOrder(uuid string, nodes []api.NodeInfo) []api.NodeInfo {
	out := append([]api.NodeInfo(nil), nodes...)
	w := func(n api.NodeInfo) uint64 { return xxhash.Sum64String(uuid + "/" + n.ID) }
	sort.Slice(out, func(i, j int) bool {
		wi, wj := w(out[i]), w(out[j])
		if wi != wj {
			return wi > wj
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// watchPrimary is one round of a non-primary's watch of the primary: a
// probe and, once the primary is taken for gone, the election.
func (p *Proxy) watchPrimary(ctx context.Context, cl *http.Client, pw *primaryWatch) {
	sm := p.Smap()
	prim := sm.Proxy
	if prim.ID == "" || prim.ID == p.cfg.ID {
		return
	}
	if pw.primary != prim.ID {
		*pw = primaryWatch{primary: prim.ID}
	}
	if probe(ctx, cl, prim.URL) {
		pw.fails = 0
		return
	}
	if pw.fails == 0 {
		pw.since = time.Now()
	}
	pw.fails++
	if pw.fails < primaryProbes {
		return
	}
	if pw.fails == primaryProbes {
		p.log.Printf("primary proxy %s at %s does not answer (%d probes in a row): electing a new primary", prim.ID, prim.URL, pw.fails)
	}
	p.mu.RLock()
	uuid := p.uuid
	p.mu.RUnlock()
	skip := (pw.fails - primaryProbes) / candidateWait
	for _, n := range hrwOrder(uuid, sm.AllProxies()) {
		switch {
		case n.ID == prim.ID:
		case n.ID == p.cfg.ID:
			p.takeOver(ctx, prim, pw.since)
			return
		case probe(ctx, cl, n.URL):
			if skip == 0 {
				return // n comes first and is alive: it takes over
			}
			skip--
		}
	}
}

// takeOver makes this proxy primary in place of old, which has not
// answered since since.
func (p *Proxy) takeOver(ctx context.Context, old api.NodeInfo, since time.Time) {
	var best *replica
	var mu sync.Mutex
	var wg sync.WaitGroup
	smapVer := int64(0)
	for _, n := range p.peerProxies(false) {
		if n.ID == old.ID {
			continue
		}
		wg.Go(func() {
			r, err := p.fetchMeta(ctx, n.URL)
			if err != nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			smapVer = max(smapVer, r.Smap.Version)
			if best == nil || r.Version > best.Version {
				best = r
			}
		})
	}
	wg.Wait()
	if best != nil {
		p.adopt(best)
	}
	reason := fmt.Sprintf("the primary proxy %s failed during the start (proxy %s took over)", old.ID, p.cfg.ID)
	p.becomePrimary(ctx, old.ID, smapVer, false, reason)
	go p.ctl.reconcileStages(ctx)
	sm := p.Smap()
	p.log.Printf("took over as primary from proxy %s in %v (cluster map version %d)", old.ID, time.Since(since).Round(time.Millisecond), sm.Version)
}

// becomePrimary makes this proxy the primary: the cluster map names it
// (down names the proxy it replaces, marked down) with a version above
// minSmap and above every target's; ETLs left Initializing are aborted
// with reason; the metadata is replicated and the map pushed to the
// targets. markTargetsDown (a restart) marks every target down until it
// answers again.
func (p *Proxy) becomePrimary(ctx context.Context, down string, minSmap int64, markTargetsDown bool, reason string) {
	tv := p.targetVersions(ctx)
	p.mu.Lock()
	self := api.NodeInfo{ID: p.cfg.ID, Role: "proxy", URL: p.url, Alive: true}
	p.smap.Proxy = self
	p.smap.Proxies = upsertNode(p.smap.Proxies, self)
	for i := range p.smap.Proxies {
		if p.smap.Proxies[i].ID == down {
			p.smap.Proxies[i].Alive = false
		}
	}
	if markTargetsDown {
		for i := range p.smap.Targets {
			p.smap.Targets[i].Alive = false
		}
	}
	p.smap.Version = max(p.smap.Version, minSmap, tv.SmapVersion) + 1
	if tv.BMDVersion > p.bmdVer {
		p.bmdVer = tv.BMDVersion + 1 // the full set of the next push replaces what targets hold
	}
	p.mu.Unlock()
	p.ackMu.Lock()
	clear(p.acked)
	p.ackMu.Unlock()
	p.role.Store(rolePrimary)
	p.ctl.abortStarts(reason)
	p.markDirty()
	p.replicate()
	go p.pushSmap()
}

// upsertNode returns nodes with n in place of the node of its id (or
// added), sorted by id.
func upsertNode(nodes []api.NodeInfo, n api.NodeInfo) []api.NodeInfo {
	out := make([]api.NodeInfo, 0, len(nodes)+1)
	for _, x := range nodes {
		if x.ID != n.ID {
			out = append(out, x)
		}
	}
	out = append(out, n)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// targetVersions asks every target of the map for the versions it holds
// and returns the highest of each (targets that do not answer within
// probeTimeout are left out).
func (p *Proxy) targetVersions(ctx context.Context) api.TargetVersions {
	var out api.TargetVersions
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, t := range p.Smap().Targets {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, probeTimeout)
			defer cancel()
			rp := p.call(cctx, t, http.MethodGet, api.PathInternal+"smap", nil)
			var tv api.TargetVersions
			if rp.failed() || json.Unmarshal(rp.body, &tv) != nil {
				return
			}
			mu.Lock()
			out.SmapVersion = max(out.SmapVersion, tv.SmapVersion)
			out.BMDVersion = max(out.BMDVersion, tv.BMDVersion)
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// fetchMeta reads the metadata a proxy holds.
func (p *Proxy) fetchMeta(ctx context.Context, url string) (*replica, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	rp := p.call(ctx, api.NodeInfo{ID: url, URL: url}, http.MethodGet, api.PathInternal+"meta", nil)
	if rp.failed() {
		return nil, fmt.Errorf("metadata of proxy at %s: %s", url, rp.errString())
	}
	var r replica
	if err := json.Unmarshal(rp.body, &r); err != nil {
		return nil, fmt.Errorf("metadata of proxy at %s: %w", url, err)
	}
	return &r, nil
}

// probeProxies is the primary's probe of the other proxies: one that
// fails probesToDown probes in a row is marked down, one that answers
// again is marked up, and a live one that missed a push is sent the
// current metadata. It reports whether the map changed.
func (p *Proxy) probeProxies(ctx context.Context, cl *http.Client, fails map[string]int) bool {
	return probeNodes(ctx, cl, p.peerProxies(false), fails, func(n api.NodeInfo, ok bool, failed int) bool {
		switch {
		case ok && !n.Alive:
			changed := p.setAlive(proxiesOf, n.ID, true)
			if changed {
				p.log.Printf("proxy %s at %s answers again", n.ID, n.URL)
			}
			p.catchUp(n)
			return changed
		case ok:
			p.catchUp(n)
		case failed >= probesToDown && n.Alive:
			if p.setAlive(proxiesOf, n.ID, false) {
				p.log.Printf("proxy %s at %s is down", n.ID, n.URL)
				return true
			}
		}
		return false
	})
}

// abortStarts aborts, with reason, every ETL whose start was under way
// when this proxy became primary (the proxy that ran the start is gone)
// and stops it on the targets, which may have started it.
func (c *control) abortStarts(reason string) {
	c.mu.Lock()
	var names []string
	for _, e := range c.etls {
		if e.Stage == api.StageInitializing {
			e.Stage, e.Reason = api.StageAborted, reason
			names = append(names, e.Name)
		}
	}
	c.mu.Unlock()
	for _, n := range names {
		c.p.log.Printf("etl %s aborted: %s", n, reason)
		go c.stopOnTargets(n, reason)
	}
}
