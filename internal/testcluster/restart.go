package testcluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/etlbench/etlbench/etlcore/embedded"
)

// RestartTarget starts target i (1-based) again after KillTarget, with the
// same id, directory (so its objects are kept) and flags, and waits until
// the proxy's map shows it alive.
func (c *Cluster) RestartTarget(i int) {
	c.t.Helper()
	n := c.Target(i)
	host, extra, err := c.nodeFlags()
	if err != nil {
		c.t.Fatalf("testcluster: restart %s: %v", n.ID, err)
	}
	args := []string{"--proxy", c.ProxyURL}
	if !contains(extra, "--mountpath") {
		mps, _ := filepath.Glob(filepath.Join(n.Dir, "mp[0-9]*"))
		if len(mps) == 0 {
			mps = []string{""}
		}
		args = append(args, "--mountpaths", fmt.Sprint(len(mps)))
	}
	args = append(args, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := embedded.RestartNode(ctx, c.State, c.Binary, host, n.ID, args...); err != nil {
		c.t.Fatalf("testcluster: %v", err)
	}
	for {
		sm, err := c.Client.Smap(ctx)
		if err == nil {
			for _, tg := range sm.Targets {
				if tg.ID == n.ID && tg.Alive {
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			c.t.Fatalf("testcluster: restarted %s did not rejoin: %v\n%s", n.ID, ctx.Err(), c.LogTail(n.ID))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// nodeFlags recovers the --host and the extra node flags (Options.ExtraArgs)
// the cluster was started with from the running proxy's command line:
// `node --role proxy --id p1 --host H --dir D --port N extra...`.
func (c *Cluster) nodeFlags() (host string, extra []string, err error) {
	var p *embedded.NodeState
	for j := range c.State.Nodes {
		if c.State.Nodes[j].Role == "proxy" {
			p = &c.State.Nodes[j]
		}
	}
	if p == nil {
		return "", nil, fmt.Errorf("no proxy recorded")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p.PID))
	if err != nil || len(b) == 0 {
		return "", nil, fmt.Errorf("read proxy command line: %v", err)
	}
	argv := strings.Split(string(bytes.TrimRight(b, "\x00")), "\x00")
	for j := 0; j < len(argv); j++ {
		if argv[j] == "--host" && j+1 < len(argv) {
			host = argv[j+1]
		}
		if argv[j] == "--port" && j+1 < len(argv) {
			return host, argv[j+2:], nil
		}
	}
	return "", nil, fmt.Errorf("unexpected proxy command line %q", argv)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s || strings.HasPrefix(x, s+"=") {
			return true
		}
	}
	return false
}
