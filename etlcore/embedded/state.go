// Package embedded brings an etlcore cluster up as local processes (one
// or more proxies, N targets) on loopback or on an emulated network of one network
// namespace per node (netns.go), records it in a state directory, and
// brings it down again, killing only the processes it started and removing
// the namespaces it created.
package embedded

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// StateFile is the name of the state file in a cluster directory.
const StateFile = "cluster.json"

// NodeState is one process `cluster up` started.
type NodeState struct {
	ID   string `json:"id"`
	Role string `json:"role"`
	PID  int    `json:"pid"`
	URL  string `json:"url"`
	Dir  string `json:"dir"`
	Log  string `json:"log"`
	// Netns is the network namespace the node runs in (emulated network).
	Netns string `json:"netns,omitempty"`
}

// State is what `cluster up` records.
type State struct {
	// ProxyURL is p1's URL, the primary when the cluster came up.
	ProxyURL string `json:"proxy_url"`
	// ProxyURLs are every proxy's URLs (p1, p2, ...).
	ProxyURLs []string    `json:"proxy_urls,omitempty"`
	Dir       string      `json:"dir"`
	Nodes     []NodeState `json:"nodes"`
	// Net is the emulated network the cluster runs on; nil on loopback.
	Net *NetState `json:"net,omitempty"`

	dieWithParent bool // Options.DieWithParent, for nodes restarted later
}

// LoadState reads the state recorded in dir.
func LoadState(dir string) (*State, error) {
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		return nil, fmt.Errorf("read cluster state: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("parse cluster state %s: %w", filepath.Join(dir, StateFile), err)
	}
	return &st, nil
}

// Client returns an API client of a live proxy of the cluster (see
// AliveProxyURL) whose connections start in the cluster's client
// namespace (see DialContext).
func (st *State) Client() *api.Client {
	c := api.NewClient(st.AliveProxyURL())
	if tr, ok := c.HTTP.Transport.(*http.Transport); ok && st.outsideClientNetns() {
		tr.DialContext = st.DialContext()
	}
	return c
}

// Save writes st to its directory atomically.
func (st *State) Save() error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode cluster state: %w", err)
	}
	tmp := filepath.Join(st.Dir, StateFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write cluster state: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(st.Dir, StateFile)); err != nil {
		return fmt.Errorf("write cluster state: %w", err)
	}
	return nil
}

// AliveProxyURL returns the URL of the first proxy (p1, p2, ...) that
// answers its health check within a second; with one proxy, or when none
// answers, ProxyURL.
func (st *State) AliveProxyURL() string {
	if len(st.ProxyURLs) < 2 {
		return st.ProxyURL
	}
	cl := st.HTTPClient()
	cl.Timeout = time.Second
	defer cl.CloseIdleConnections()
	for _, u := range st.ProxyURLs {
		resp, err := cl.Get(u + api.PathHealth)
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return u
		}
	}
	return st.ProxyURL
}
