package aisnode

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/etlbench/etlbench/internal/liveproc"
)

// StateFile is the record of a cluster Up started, in its directory.
const StateFile = "aisnode-cluster.json"

// Node is one aisnode process of a cluster.
type Node struct {
	ID   string `json:"id"`   // p0, t1, t2, ...
	Role string `json:"role"` // proxy | target
	PID  int    `json:"pid"`
	URL  string `json:"url"`
	Dir  string `json:"dir"` // its configs, logs and (targets) data
	// LocalConfig is its -local_config path: the process is ours only if
	// its command line names it (a reused pid is never stopped).
	LocalConfig string `json:"local_config"`
	Log         string `json:"log"` // stdout and stderr
}

// State is a running cluster as Up recorded it.
type State struct {
	Dir      string `json:"dir"`
	Binary   string `json:"binary"`
	ProxyURL string `json:"proxy_url"`
	Nodes    []Node `json:"nodes"`
}

// LoadState reads the cluster recorded in dir.
func LoadState(dir string) (*State, error) {
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		return nil, fmt.Errorf("aisnode: no cluster recorded in %s: %w", dir, err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("aisnode: %s: %w", filepath.Join(dir, StateFile), err)
	}
	return &st, nil
}

// Save writes the record.
func (st *State) Save() error { return writeJSON(filepath.Join(st.Dir, StateFile), st) }

// PIDs are the cluster's processes that are still running and ours.
func (st *State) PIDs() []int {
	var out []int
	for _, n := range st.Nodes {
		if owns(n) {
			out = append(out, n.PID)
		}
	}
	return out
}

// owns reports whether n's pid is a live aisnode started with n's config.
func owns(n Node) bool {
	cmd, ok := liveproc.Cmdline(n.PID)
	return ok && strings.Contains(cmd, "-local_config="+n.LocalConfig+"\x00")
}

// Down stops every process of the cluster recorded in dir (SIGTERM, then
// SIGKILL after 10 s) and removes dir. Processes it did not start are
// never signalled.
func Down(dir string) error {
	st, err := LoadState(dir)
	if err != nil {
		return err
	}
	serr := st.stop(10 * time.Second)
	if err := os.RemoveAll(st.Dir); err != nil {
		return errors.Join(serr, fmt.Errorf("aisnode: remove %s: %w", st.Dir, err))
	}
	return serr
}

// stop signals the cluster's processes, targets first, and waits until
// they are gone.
func (st *State) stop(grace time.Duration) error {
	var live []Node
	for i := len(st.Nodes) - 1; i >= 0; i-- {
		n := st.Nodes[i]
		if owns(n) {
			_ = syscall.Kill(n.PID, syscall.SIGTERM)
			live = append(live, n)
		}
	}
	deadline := time.Now().Add(grace)
	for _, n := range live {
		for owns(n) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if owns(n) {
			_ = syscall.Kill(n.PID, syscall.SIGKILL)
		}
	}
	var errs []error
	for _, n := range live {
		end := time.Now().Add(5 * time.Second)
		for owns(n) && time.Now().Before(end) {
			time.Sleep(50 * time.Millisecond)
		}
		if owns(n) {
			errs = append(errs, fmt.Errorf("aisnode: %s (pid %d) still running after SIGKILL", n.ID, n.PID))
		}
	}
	return errors.Join(errs...)
}
