package testcluster

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
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
	args := []string{"--proxy", strings.Join(c.ProxyURLs, ",")}
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
// the cluster was started with from a running proxy's command line:
// `node --role proxy --id P --host H --dir D [--peer U ...] --port N extra...`.
func (c *Cluster) nodeFlags() (host string, extra []string, err error) {
	var b []byte
	for _, n := range c.State.Nodes {
		if n.Role != "proxy" {
			continue
		}
		if b, err = os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", n.PID)); err == nil && len(b) > 0 {
			break
		}
	}
	if len(b) == 0 {
		return "", nil, fmt.Errorf("read a running proxy's command line: %v", err)
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

// RestartProxy starts proxy i (1-based) again after KillProxy, on the same
// port and with the same directory (so it starts from the metadata it
// persisted) and every other proxy as a peer, and waits until it serves
// (it joined the primary, or is the primary) and lists every target.
func (c *Cluster) RestartProxy(i int) {
	c.t.Helper()
	n := c.Proxy(i)
	host, extra, err := c.nodeFlags()
	if err != nil {
		c.t.Fatalf("testcluster: restart %s: %v", n.ID, err)
	}
	u, err := url.Parse(n.URL)
	if err != nil {
		c.t.Fatalf("testcluster: restart %s: %v", n.ID, err)
	}
	var args []string
	for _, pu := range c.ProxyURLs {
		if pu != n.URL {
			args = append(args, "--peer", pu)
		}
	}
	args = append(append(args, "--port", u.Port()), extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		// The port frees as soon as the killed process is gone.
		_, err := embedded.RestartNode(ctx, c.State, c.Binary, host, n.ID, args...)
		if err == nil {
			break
		}
		if ctx.Err() != nil || !strings.Contains(err.Error(), "address already in use") {
			c.t.Fatalf("testcluster: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cl := c.State.Client()
	cl.Base = n.URL
	if err := cl.WaitTargets(ctx, len(c.targets()), 50*time.Millisecond); err != nil {
		c.t.Fatalf("testcluster: restarted %s: %v\n%s", n.ID, err, c.LogTail(n.ID))
	}
}

// ProxyClient returns a client of proxy i (1-based).
func (c *Cluster) ProxyClient(i int) *api.Client {
	cl := c.State.Client()
	cl.Base = c.Proxy(i).URL
	cl.Token = c.Client.Token
	return cl
}

func (c *Cluster) targets() []embedded.NodeState {
	var out []embedded.NodeState
	for _, n := range c.State.Nodes {
		if n.Role == "target" {
			out = append(out, n)
		}
	}
	return out
}
