package embedded

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// RestartNode starts node id of st again (after it died or was killed) with
// the same role, id and directory, so its data and mountpaths are kept; args
// are the role's flags (e.g. --proxy URL --mountpaths N) and any extra ones.
// The previous log is kept as node.log.prev. The node's record in st is
// replaced (new pid and URL) and st is saved, so Down stops the new process.
func RestartNode(ctx context.Context, st *State, binary, host, id string, args ...string) (*NodeState, error) {
	old := -1
	for i, n := range st.Nodes {
		if n.ID == id {
			old = i
		}
	}
	if old < 0 {
		return nil, fmt.Errorf("restart %s: no such node in %s", id, st.Dir)
	}
	prev := st.Nodes[old]
	if ownsProcess(prev) {
		return nil, fmt.Errorf("restart %s: still running (pid %d)", id, prev.PID)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	// A stale URL file would be taken for the new process's readiness.
	if err := os.Remove(filepath.Join(prev.Dir, URLFile)); err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("restart %s: %w", id, err)
	}
	_ = os.Rename(prev.Log, prev.Log+".prev")
	n, err := startNode(ctx, Options{Binary: binary, Host: host}, st, id, prev.Role, args...)
	if err != nil {
		// startNode recorded the new process; drop the dead record only.
		st.Nodes = append(st.Nodes[:old], st.Nodes[old+1:]...)
		_ = st.Save()
		return nil, err
	}
	// startNode appended the new record: put it where the old one was.
	rec := *n
	st.Nodes = st.Nodes[:len(st.Nodes)-1]
	st.Nodes[old] = rec
	if err := st.Save(); err != nil {
		return nil, err
	}
	return &rec, nil
}
