package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// Smap returns a copy of the cluster map.
func (p *Proxy) Smap() api.Smap {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return copySmap(&p.smap)
}

func copySmap(s *api.Smap) api.Smap {
	c := *s
	c.Targets = append([]api.NodeInfo(nil), s.Targets...)
	c.Proxies = append([]api.NodeInfo(nil), s.Proxies...)
	return c
}

func (p *Proxy) handleCluster(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && (r.URL.Path == api.PathCluster || r.URL.Path == api.PathCluster+"/"):
		p.handleClusterWhat(w, r)
	case r.Method == http.MethodPut && r.URL.Path == api.PathCluster:
		p.ctl.handleClusterAct(w, r)
	case r.Method == http.MethodPost && r.URL.Path == api.PathCluster+"/join":
		if !p.authorized(w, r) {
			return
		}
		p.handleJoin(w, r)
	default:
		api.WriteErr(w, r, http.StatusNotFound, "no such cluster endpoint: %s %s", r.Method, r.URL.Path)
	}
}

// handleJoin registers (or re-registers) a target, or a proxy (role
// "proxy": joinProxy).
func (p *Proxy) handleJoin(w http.ResponseWriter, r *http.Request) {
	var ni api.NodeInfo
	if _, err := api.ReadJSON(r, &ni); err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	if ni.ID == "" || ni.URL == "" {
		api.WriteErr(w, r, http.StatusBadRequest, "join: node id and url are required")
		return
	}
	switch ni.Role {
	case "proxy":
		p.joinProxy(w, r, ni)
		return
	case "", "target":
	default:
		api.WriteErr(w, r, http.StatusBadRequest, "join: role %q: want target or proxy", ni.Role)
		return
	}
	ni.Role, ni.Alive = "target", true
	p.bmdMu.Lock() // a bucket create either sees the target or is in the reply
	defer p.bmdMu.Unlock()
	p.mu.Lock()
	found := false
	for i := range p.smap.Targets {
		if p.smap.Targets[i].ID == ni.ID {
			p.smap.Targets[i] = ni
			found = true
		}
	}
	if !found {
		p.smap.Targets = append(p.smap.Targets, ni)
		sort.Slice(p.smap.Targets, func(i, j int) bool { return p.smap.Targets[i].ID < p.smap.Targets[j].ID })
	}
	p.smap.Version++
	p.saveStateLocked()
	reply := api.ClusterMeta{Smap: copySmap(&p.smap), Buckets: p.bucketListLocked(), BMDVersion: p.bmdVer}
	p.mu.Unlock()
	p.log.Printf("target %s joined at %s", ni.ID, ni.URL)
	api.WriteJSON(w, reply)
	go p.pushSmap() // after bmdMu is released
}

// targetsOf and proxiesOf pick the nodes of one role in a cluster map.
func targetsOf(s *api.Smap) []api.NodeInfo { return s.Targets }
func proxiesOf(s *api.Smap) []api.NodeInfo { return s.Proxies }

// setAlive marks node id of the role nodes picks (targetsOf, proxiesOf) up
// or down in the cluster map; it reports whether that changed.
func (p *Proxy) setAlive(nodes func(*api.Smap) []api.NodeInfo, id string, alive bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	ns := nodes(&p.smap)
	for i := range ns {
		if n := &ns[i]; n.ID == id && n.Alive != alive {
			n.Alive = alive
			p.smap.Version++
			p.saveStateLocked()
			return true
		}
	}
	return false
}

// healthLoop is, on the primary, the probe of every target and every
// other proxy, each marked down (or up again); on a non-primary, the
// watch of the primary (election.go).
func (p *Proxy) healthLoop(ctx context.Context) {
	tick := time.NewTicker(p.cfg.HealthInterval)
	defer tick.Stop()
	cl := &http.Client{Transport: p.client.Transport, Timeout: probeTimeout}
	fails := map[string]int{}  // consecutive failed probes per target
	pfails := map[string]int{} // consecutive failed probes per proxy
	var pw primaryWatch
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if !p.isPrimary() {
			p.watchPrimary(ctx, cl, &pw)
			continue
		}
		pw = primaryWatch{}
		sm := p.Smap()
		changed := p.probeProxies(ctx, cl, pfails)
		if p.probeTargets(ctx, cl, sm.Targets, fails) {
			changed = true
		}
		if changed {
			p.pushSmap()
		}
	}
}

// probeTargets is the primary's probe of the targets: one that fails
// probesToDown probes in a row is marked down (its ETLs' and jobs' state
// follows), one marked down that answers again is revived. It reports
// whether the map changed.
func (p *Proxy) probeTargets(ctx context.Context, cl *http.Client, targets []api.NodeInfo, fails map[string]int) bool {
	return probeNodes(ctx, cl, targets, fails, func(t api.NodeInfo, ok bool, failed int) bool {
		if ok && !t.Alive {
			// A restarted target comes back by joining again; one
			// that was marked down while only slow is up again.
			if p.revive(t) {
				p.log.Printf("target %s at %s answers again", t.ID, t.URL)
				return true
			}
			return false
		}
		// One failed probe may be a busy machine: down after two in a row.
		if !ok && failed >= probesToDown && p.setAlive(targetsOf, t.ID, false) {
			p.log.Printf("target %s at %s is down", t.ID, t.URL)
			p.ctl.targetDown(t.ID)
			return true
		}
		return false
	})
}

// probeNodes probes every node at once, counting each one's failed probes
// in a row in fails, and hands the outcome to react, which reports whether
// it changed the cluster map; probeNodes reports whether any did.
func probeNodes(ctx context.Context, cl *http.Client, nodes []api.NodeInfo, fails map[string]int,
	react func(n api.NodeInfo, ok bool, failed int) bool) bool {
	var mu sync.Mutex
	changed := false
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(func() {
			ok := probe(ctx, cl, n.URL)
			mu.Lock()
			if ok {
				delete(fails, n.ID)
			} else {
				fails[n.ID]++
			}
			failed := fails[n.ID]
			mu.Unlock()
			if react(n, ok, failed) {
				mu.Lock()
				changed = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return changed
}

// probesToDown is how many probes in a row must fail before a target is
// marked down.
const probesToDown = 2

func probe(ctx context.Context, cl *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+api.PathHealth, nil)
	if err != nil {
		return false
	}
	resp, err := cl.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// pushSmap sends the cluster map and the bucket set (api.ClusterMeta) to
// every live target.
func (p *Proxy) pushSmap() {
	p.bmdMu.Lock()
	defer p.bmdMu.Unlock()
	var alive []api.NodeInfo
	for _, t := range p.Smap().Targets {
		if t.Alive {
			alive = append(alive, t)
		}
	}
	p.pushMetaLocked(alive)
}

// revive brings a target that answers again after being marked down up to
// date (the buckets created and destroyed meanwhile) and only then marks it
// alive, both under bmdMu so that no bucket operation falls in between. It
// reports whether the target is alive now.
func (p *Proxy) revive(t api.NodeInfo) bool {
	p.bmdMu.Lock()
	defer p.bmdMu.Unlock()
	if err := p.pushMetaLocked([]api.NodeInfo{t})[t.ID]; err != nil {
		return false // still down: the next probe tries again
	}
	return p.setAlive(targetsOf, t.ID, true)
}

// pushMetaLocked sends the cluster map and the bucket set to targets, at
// once, and returns the failures by target id; p.bmdMu is held.
func (p *Proxy) pushMetaLocked(targets []api.NodeInfo) map[string]error {
	return p.pushMeta(targets, false)
}

// pushMeta is pushMetaLocked; again is set for the second push to targets
// that held newer versions than the first.
func (p *Proxy) pushMeta(targets []api.NodeInfo, again bool) map[string]error {
	p.mu.RLock()
	meta := api.ClusterMeta{Smap: copySmap(&p.smap), Buckets: p.bucketListLocked(), BMDVersion: p.bmdVer}
	p.mu.RUnlock()
	body, _ := json.Marshal(meta)
	var mu sync.Mutex
	errs := map[string]error{}
	var ahead []api.NodeInfo // targets that hold newer versions than these
	var top api.TargetVersions
	var wg sync.WaitGroup
	for _, t := range targets {
		wg.Go(func() {
			// Bounded: a hung target must not hold up bucket operations.
			ctx, cancel := context.WithTimeout(context.Background(), pushTimeout)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPut, t.URL+api.PathInternal+"smap", bytes.NewReader(body))
			p.auth(req)
			resp, err := p.client.Do(req)
			var tv api.TargetVersions
			if err == nil {
				if resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("status %d", resp.StatusCode)
				} else if json.NewDecoder(resp.Body).Decode(&tv) != nil {
					tv = api.TargetVersions{Applied: true} // a target that does not say
				}
				resp.Body.Close()
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				p.log.Printf("push cluster map to %s: %v", t.ID, err)
				errs[t.ID] = err
				return
			}
			if !tv.Applied || tv.BMDVersion > meta.BMDVersion {
				ahead = append(ahead, t)
				top.SmapVersion = max(top.SmapVersion, tv.SmapVersion)
				top.BMDVersion = max(top.BMDVersion, tv.BMDVersion)
			}
		})
	}
	wg.Wait()
	if len(ahead) > 0 && !again {
		// A target holds a newer map or bucket set than this proxy made
		// (one made by a primary that failed before replicating it): make
		// versions above them and push again.
		p.mu.Lock()
		p.smap.Version = max(p.smap.Version, top.SmapVersion) + 1
		if top.BMDVersion > p.bmdVer {
			p.bmdVer = top.BMDVersion + 1
		}
		p.saveStateLocked()
		p.mu.Unlock()
		for id, err := range p.pushMeta(ahead, true) {
			errs[id] = err
		}
	}
	return errs
}

// pushTimeout bounds one push of the cluster map to one target.
const pushTimeout = 5 * time.Second

// auth adds the cluster token to an internal request.
func (p *Proxy) auth(req *http.Request) {
	if p.cfg.AuthToken != "" {
		req.Header.Set(api.HdrAuthorization, "Bearer "+p.cfg.AuthToken)
	}
}
