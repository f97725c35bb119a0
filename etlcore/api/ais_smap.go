package api

import (
	"net"
	"net/url"
	"sort"
	"time"

	"github.com/cespare/xxhash/v2"
)

// AisSmap is the cluster map in AIStore's wire shape (GET
// /v1/daemon?what=smap), which AIStore's own clients decode. Every target
// of the map is in Tmap, also one the proxy has marked down; those are
// listed in Ext.Down (AIStore's decoders keep Ext as an opaque value).
type AisSmap struct {
	Ext          *AisSmapExt          `json:"ext,omitempty"`
	Pmap         map[string]*AisSnode `json:"pmap"`
	Primary      *AisSnode            `json:"proxy_si"`
	Tmap         map[string]*AisSnode `json:"tmap"`
	UUID         string               `json:"uuid"`
	CreationTime string               `json:"creation_time"`
	Version      int64                `json:"version,string"`
}

// AisSmapExt is etlcore's addition to AIStore's cluster map.
type AisSmapExt struct {
	// Down lists the ids of the nodes (targets and proxies) the primary
	// proxy has marked down.
	Down []string `json:"down"`
}

// AisSnode is one node of AisSmap (AIStore's meta.Snode).
type AisSnode struct {
	PubNet     AisNetInfo `json:"public_net"`
	DataNet    AisNetInfo `json:"intra_data_net"`
	ControlNet AisNetInfo `json:"intra_control_net"`
	DaeType    string     `json:"daemon_type"` // "proxy" | "target"
	DaeID      string     `json:"daemon_id"`
	Flags      uint64     `json:"flags"`
	IDDigest   uint64     `json:"id_digest"`
}

// AisNetInfo is a node's address in AIStore's shape.
type AisNetInfo struct {
	Hostname string `json:"node_ip_addr"`
	Port     string `json:"daemon_port"`
	URL      string `json:"direct_url"`
}

// AIStore's Snode flag of the proxies that are members of its
// information center; etlcore sets it on every proxy.
const aisSnodeIC = 1 << 1

// aisDigestSeed is the seed of AIStore's node id digest (xxhash64 of the
// id), which AIStore's HRW placement uses.
const aisDigestSeed = 1103515245

// ToAis returns n as an AIStore node.
func (n NodeInfo) ToAis() *AisSnode {
	ni := AisNetInfo{URL: n.URL}
	if u, err := url.Parse(n.URL); err == nil {
		if h, p, err := net.SplitHostPort(u.Host); err == nil {
			ni.Hostname, ni.Port = h, p
		}
	}
	h := xxhash.NewWithSeed(aisDigestSeed)
	_, _ = h.WriteString(n.ID)
	sn := &AisSnode{PubNet: ni, DataNet: ni, ControlNet: ni, DaeType: n.Role, DaeID: n.ID, IDDigest: h.Sum64()}
	if n.Role == "proxy" {
		sn.Flags = aisSnodeIC
	}
	return sn
}

// ToAis returns s in AIStore's shape; uuid and created name the cluster.
func (s *Smap) ToAis(uuid string, created time.Time) *AisSmap {
	p := s.Proxy.ToAis()
	out := &AisSmap{
		Ext:          &AisSmapExt{Down: []string{}},
		Pmap:         map[string]*AisSnode{},
		Primary:      p,
		Tmap:         make(map[string]*AisSnode, len(s.Targets)),
		UUID:         uuid,
		CreationTime: created.UTC().Format(time.DateTime),
		Version:      s.Version,
	}
	for _, n := range s.AllProxies() {
		if n.ID == s.Proxy.ID {
			out.Pmap[n.ID] = p
		} else {
			out.Pmap[n.ID] = n.ToAis()
		}
		if !n.Alive {
			out.Ext.Down = append(out.Ext.Down, n.ID)
		}
	}
	if s.Proxy.ID != "" && out.Pmap[s.Proxy.ID] == nil {
		out.Pmap[s.Proxy.ID] = p
	}
	for _, t := range s.Targets {
		out.Tmap[t.ID] = t.ToAis()
		if !t.Alive {
			out.Ext.Down = append(out.Ext.Down, t.ID)
		}
	}
	sort.Strings(out.Ext.Down)
	return out
}

// FromAis returns the etlcore cluster map that m describes (the inverse of
// Smap.ToAis), for clients that read the AIStore shape.
func (m *AisSmap) FromAis() Smap {
	down := map[string]bool{}
	if m.Ext != nil {
		for _, id := range m.Ext.Down {
			down[id] = true
		}
	}
	s := Smap{Version: m.Version}
	if m.Primary != nil {
		s.Proxy = NodeInfo{ID: m.Primary.DaeID, Role: "proxy", URL: m.Primary.PubNet.URL, Alive: true}
	}
	for id, p := range m.Pmap {
		s.Proxies = append(s.Proxies, NodeInfo{ID: id, Role: "proxy", URL: p.PubNet.URL, Alive: !down[id]})
	}
	sort.Slice(s.Proxies, func(i, j int) bool { return s.Proxies[i].ID < s.Proxies[j].ID })
	for id, t := range m.Tmap {
		s.Targets = append(s.Targets, NodeInfo{ID: id, Role: "target", URL: t.PubNet.URL, Alive: !down[id]})
	}
	sort.Slice(s.Targets, func(i, j int) bool { return s.Targets[i].ID < s.Targets[j].ID })
	return s
}

// AisBck is a bucket in AIStore's shape (cmn.Bck), as GET /v1/buckets
// lists them and as job messages name a destination.
type AisBck struct {
	Name      string `json:"name"`
	Provider  string `json:"provider"`
	Namespace AisNs  `json:"namespace"`
}

// AisNs is a bucket's namespace (always empty in etlcore).
type AisNs struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}
