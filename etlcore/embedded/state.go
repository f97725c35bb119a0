// Package embedded brings an etlcore cluster up as local processes on
// loopback (one proxy, N targets), records it in a state directory, and
// brings it down again, killing only the processes it started.
package embedded

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
}

// State is what `cluster up` records.
type State struct {
	ProxyURL string      `json:"proxy_url"`
	Dir      string      `json:"dir"`
	Nodes    []NodeState `json:"nodes"`

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
