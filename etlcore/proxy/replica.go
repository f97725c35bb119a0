package proxy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// replica is the cluster's metadata as the primary proxy replicates it to
// every proxy and as each proxy persists it: the cluster map, the bucket
// set, the cluster's id, every ETL's spec and stage, and the job table.
// Version grows by one with every replication; a proxy takes a replica
// only when its version is newer than the one it holds.
type replica struct {
	Version    int64       `json:"version"`
	Smap       api.Smap    `json:"smap"`
	Buckets    []string    `json:"buckets"`
	BMDVersion int64       `json:"bmd_version"`
	UUID       string      `json:"uuid,omitempty"`
	Created    time.Time   `json:"created,omitzero"`
	ETLs       []etlEntry  `json:"etls"`
	Jobs       []*jobEntry `json:"jobs"`
}

// metaFile is where a proxy persists the replica it holds.
const metaFile = "meta.json"

func (p *Proxy) metaPath() string { return filepath.Join(p.cfg.Dir, metaFile) }

// snapshot returns the metadata the proxy holds now.
func (p *Proxy) snapshot() *replica {
	p.mu.RLock()
	r := &replica{Version: p.metaVer, Smap: copySmap(&p.smap), Buckets: p.bucketListLocked(), BMDVersion: p.bmdVer,
		UUID: p.uuid, Created: p.created}
	p.mu.RUnlock()
	c := p.ctl
	c.mu.Lock()
	for _, e := range c.etls {
		r.ETLs = append(r.ETLs, *e)
	}
	c.mu.Unlock()
	sort.Slice(r.ETLs, func(i, j int) bool { return r.ETLs[i].Name < r.ETLs[j].Name })
	c.jmu.Lock()
	for _, je := range c.jobs {
		r.Jobs = append(r.Jobs, je)
	}
	c.jmu.Unlock()
	sort.Slice(r.Jobs, func(i, j int) bool { return r.Jobs[i].ID < r.Jobs[j].ID })
	return r
}

// newer reports whether r is newer than the replica of version ver whose
// map names primary: a higher version, or the same version naming another
// primary that sorts first (two proxies that both took over with the same
// version settle on one).
func (r *replica) newer(ver int64, primary string) bool {
	if r.Version != ver {
		return r.Version > ver
	}
	return r.Smap.Proxy.ID != "" && r.Smap.Proxy.ID != primary && r.Smap.Proxy.ID < primary
}

// adopt makes r the proxy's metadata if it is newer than what the proxy
// holds, persists it, and reports whether it did. A primary that adopts a
// replica naming another primary steps down.
func (p *Proxy) adopt(r *replica) bool {
	p.mu.Lock()
	if !r.newer(p.metaVer, p.smap.Proxy.ID) {
		p.mu.Unlock()
		return false
	}
	p.metaVer = r.Version
	p.smap = copySmap(&r.Smap)
	p.buckets = make(map[string]bool, len(r.Buckets))
	for _, b := range r.Buckets {
		p.buckets[b] = true
	}
	p.bmdVer, p.uuid, p.created = r.BMDVersion, r.UUID, r.Created
	stepDown := p.smap.Proxy.ID != p.cfg.ID && p.role.Load() == rolePrimary
	p.mu.Unlock()
	p.ctl.adopt(r)
	if stepDown {
		p.role.Store(roleNonPrimary)
		p.log.Printf("proxy %s is primary now (metadata version %d): this proxy steps down", r.Smap.Proxy.ID, r.Version)
	}
	if err := writeFileAtomic(p.metaPath(), r); err != nil {
		p.log.Printf("persist metadata version %d: %v", r.Version, err)
	}
	return true
}

// adopt replaces the ETL and job tables with r's.
func (c *control) adopt(r *replica) {
	c.mu.Lock()
	c.etls = make(map[string]*etlEntry, len(r.ETLs))
	for i := range r.ETLs {
		e := r.ETLs[i]
		c.etls[e.Name] = &e
	}
	c.mu.Unlock()
	c.jmu.Lock()
	c.jobs = make(map[string]*jobEntry, len(r.Jobs))
	for _, je := range r.Jobs {
		c.jobs[je.ID] = je
	}
	c.jmu.Unlock()
}

// loadReplica reads the metadata the proxy persisted before (if any).
func (p *Proxy) loadReplica() (*replica, error) {
	b, err := os.ReadFile(p.metaPath())
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("proxy: read metadata: %w", err)
	}
	var r replica
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("proxy: parse metadata %s: %w", p.metaPath(), err)
	}
	return &r, nil
}

// metaReply is the answer to a push of metadata (PUT /v1/_internal/meta):
// whether the proxy took it and the version it holds now.
type metaReply struct {
	Applied bool  `json:"applied"`
	Version int64 `json:"version"`
}

// handleMeta serves GET /v1/_internal/meta (the metadata this proxy
// holds) and PUT (a push of the primary's; one not newer than what the
// proxy holds is ignored and answered {"applied": false}).
func (p *Proxy) handleMeta(w http.ResponseWriter, r *http.Request) {
	if !p.authorized(w, r) {
		return
	}
	switch r.Method {
	case http.MethodGet:
		api.WriteJSON(w, p.snapshot())
	case http.MethodPut:
		var rep replica
		if _, err := api.ReadJSON(r, &rep); err != nil {
			api.WriteErr(w, r, http.StatusBadRequest, "metadata push: %v", err)
			return
		}
		if rep.Version <= 0 || rep.Smap.Proxy.ID == "" {
			api.WriteErr(w, r, http.StatusBadRequest, "metadata push: version %d naming primary %q: want a positive version and a primary", rep.Version, rep.Smap.Proxy.ID)
			return
		}
		applied := p.adopt(&rep)
		p.mu.RLock()
		ver := p.metaVer
		p.mu.RUnlock()
		api.WriteJSON(w, metaReply{Applied: applied, Version: ver})
	default:
		api.WriteErr(w, r, http.StatusMethodNotAllowed, "method %s not allowed on %s", r.Method, r.URL.Path)
	}
}
