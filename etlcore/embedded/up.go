package embedded

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/liveproc"
)

// URLFile is where a node writes its URL once it is ready.
const URLFile = "node.url"

// Options of Up.
type Options struct {
	Dir        string   // state directory (created)
	Targets    int      // number of targets (default 3)
	Proxies    int      // number of proxies (default 1): p1 starts as primary
	Mountpaths int      // mountpaths per target (default 1)
	Binary     string   // the etlbench binary (default: this executable)
	Port       int      // p1's port (0: any free port; other proxies: any free port)
	Host       string   // address to bind (default 127.0.0.1)
	ExtraArgs  []string // more `etlbench node` flags for every node
	Timeout    time.Duration
	// DieWithParent kills the nodes (SIGKILL) when the process that
	// started them dies, as tests want (a test binary killed by a signal
	// or its timeout runs no cleanup); `cluster up` leaves it off, its
	// nodes outlive it.
	DieWithParent bool
	// Net is the network the nodes run on: nil or mode loopback for the
	// host's loopback; mode emulated puts every node in a network
	// namespace of its own (see docs/emulated-network.md). Host is then
	// ignored.
	Net *NetSpec
}

// Up starts the proxies and the targets as background processes, waits
// until every node has joined, and records them in opts.Dir. On failure it
// stops whatever it started.
func Up(ctx context.Context, opts Options) (st *State, err error) {
	if err := opts.fillDefaults(); err != nil {
		return nil, fmt.Errorf("cluster up: %w", err)
	}
	emulated := opts.Net.Emulated()
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("cluster up: %w", err)
	}
	if err := prepareDir(ctx, dir, opts.Dir, emulated); err != nil {
		return nil, fmt.Errorf("cluster up: %w", err)
	}
	st = &State{Dir: dir, dieWithParent: opts.DieWithParent}
	defer func() {
		if err != nil {
			_ = st.stopNodes(5 * time.Second)
			if st.Net != nil {
				_ = removeNetns(context.WithoutCancel(ctx), st.Net.Namespaces())
			}
			_ = os.RemoveAll(dir)
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	if emulated {
		if st.Net, err = setupNet(ctx, NetID(dir), *opts.Net, opts.Proxies, opts.Targets); err != nil {
			return st, fmt.Errorf("cluster up: %w", err)
		}
		// Recorded before any node starts, so that `cluster down` finds
		// the namespaces even if this process is killed now.
		if err := st.Save(); err != nil {
			return st, err
		}
	}
	if err := st.startNodes(ctx, opts); err != nil {
		return st, err
	}
	if err := st.Save(); err != nil {
		return st, err
	}
	return st, nil
}

// fillDefaults sets the options o leaves unset and checks an emulated
// network's links and tools.
func (o *Options) fillDefaults() error {
	if o.Targets <= 0 {
		o.Targets = 3
	}
	if o.Mountpaths <= 0 {
		o.Mountpaths = 1
	}
	if o.Proxies <= 0 {
		o.Proxies = 1
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.Net.Emulated() {
		if err := CheckEmulated(); err != nil {
			return err
		}
		for name, l := range map[string]LinkShape{"node link": o.Net.NodeLink, "client link": o.Net.ClientLink} {
			if err := l.Validate(); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	if o.Binary == "" {
		b, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find etlbench binary: %w", err)
		}
		o.Binary = b
	}
	return nil
}

// prepareDir makes dir an empty state directory: refused while a cluster
// recorded there runs; what a dead one left (its files, its network
// namespaces) is removed. given is dir as the caller spelled it.
func prepareDir(ctx context.Context, dir, given string, emulated bool) error {
	if old, err := LoadState(dir); err == nil {
		for _, n := range old.Nodes {
			if ownsProcess(n) {
				return fmt.Errorf("a cluster is already running in %s (proxy %s); run 'etlbench cluster down --dir %s' first", dir, old.ProxyURL, given)
			}
		}
		if old.Net != nil {
			_ = removeNetns(ctx, old.Net.Namespaces())
		}
		_ = os.RemoveAll(dir)
	}
	if emulated || len(listNetns(NetID(dir))) > 0 {
		if _, err := RemoveLeftovers(ctx, dir); err != nil {
			return err
		}
	}
	return os.MkdirAll(dir, 0o755)
}

// startNodes starts the proxies, then the targets, and waits until every
// proxy holds the metadata with every target in it.
func (st *State) startNodes(ctx context.Context, opts Options) error {
	// p1 starts without peers, so it is the primary; every other proxy
	// joins it through the peers started before it.
	for i := 1; i <= opts.Proxies; i++ {
		var args []string
		for _, u := range st.ProxyURLs {
			args = append(args, "--peer", u)
		}
		port := 0
		if i == 1 {
			port = opts.Port
		}
		p, err := startNode(ctx, opts, st, fmt.Sprintf("p%d", i), "proxy", append(args, "--port", fmt.Sprint(port))...)
		if err != nil {
			return err
		}
		st.ProxyURLs = append(st.ProxyURLs, p.URL)
	}
	st.ProxyURL = st.ProxyURLs[0]
	for i := 1; i <= opts.Targets; i++ {
		id := fmt.Sprintf("t%d", i)
		if _, err := startNode(ctx, opts, st, id, "target", "--proxy", strings.Join(st.ProxyURLs, ","), "--mountpaths", fmt.Sprint(opts.Mountpaths)); err != nil {
			return err
		}
	}
	if err := st.Client().WaitTargets(ctx, opts.Targets, 50*time.Millisecond); err != nil {
		return fmt.Errorf("cluster up: %w", err)
	}
	for _, u := range st.ProxyURLs[1:] {
		c := st.Client()
		c.Base = u
		if err := c.WaitTargets(ctx, opts.Targets, 50*time.Millisecond); err != nil {
			return fmt.Errorf("cluster up: proxy %s: %w", u, err)
		}
	}
	return nil
}

// startNode starts one `etlbench node` process and waits for its URL file.
func startNode(ctx context.Context, opts Options, st *State, id, role string, args ...string) (*NodeState, error) {
	ndir := filepath.Join(st.Dir, id)
	if err := os.MkdirAll(ndir, 0o755); err != nil {
		return nil, fmt.Errorf("cluster up: %w", err)
	}
	logPath := filepath.Join(ndir, "node.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("cluster up: %w", err)
	}
	defer logf.Close()
	host, netns := opts.Host, ""
	if st.Net != nil {
		l, ok := st.Net.Link(id)
		if !ok {
			return nil, fmt.Errorf("cluster up: %s: no link in the emulated network", id)
		}
		host, netns = l.Addr, l.Netns
		if role == "target" {
			args = append(args, "--transformer-port", fmt.Sprint(TransformerPort), "--transformer-hosts", strings.Join(l.ExtraAddr, ","))
		}
	}
	argv := append([]string{opts.Binary, "node", "--role", role, "--id", id, "--host", host, "--dir", ndir}, args...)
	argv = append(argv, opts.ExtraArgs...)
	if netns != "" {
		// The helper enters the namespace and execs the node (same pid).
		argv = append([]string{opts.Binary, NetnsExecCommand, netns, "--"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // survives `cluster up` exiting
	if opts.DieWithParent || st.dieWithParent {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cluster up: start %s: %w", id, err)
	}
	n := NodeState{ID: id, Role: role, PID: cmd.Process.Pid, Dir: ndir, Log: logPath, Netns: netns}
	st.Nodes = append(st.Nodes, n)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	urlPath := filepath.Join(ndir, URLFile)
	for {
		if b, err := os.ReadFile(urlPath); err == nil && len(b) > 0 {
			st.Nodes[len(st.Nodes)-1].URL = strings.TrimSpace(string(b))
			return &st.Nodes[len(st.Nodes)-1], nil
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("cluster up: %s %s exited (%v): %s", role, id, err, tail(logPath))
		case <-ctx.Done():
			return nil, fmt.Errorf("cluster up: %s %s not ready: %w: %s", role, id, ctx.Err(), tail(logPath))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// tail returns the last lines of a log file, for error messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log)"
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "log " + path + ":\n" + string(b)
}

// ownsProcess reports whether n's pid is still the node process we started
// (and not a recycled pid): its command line names our node directory.
func ownsProcess(n NodeState) bool {
	cmd, ok := liveproc.Cmdline(n.PID)
	return ok && strings.Contains(cmd, "node\x00") && strings.Contains(cmd, n.Dir)
}

// Running reports whether any node process recorded in st still runs.
func (st *State) Running() bool {
	for _, n := range st.Nodes {
		if ownsProcess(n) {
			return true
		}
	}
	return false
}

// Down stops every process recorded in dir (and nothing else) and removes
// the directory.
func Down(dir string) error {
	st, err := LoadState(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("cluster down: no cluster recorded in %s", dir)
		}
		return fmt.Errorf("cluster down: %w", err)
	}
	if err := st.stopNodes(10 * time.Second); err != nil {
		return err
	}
	if st.Net != nil {
		if err := removeNetns(context.Background(), st.Net.Namespaces()); err != nil {
			return fmt.Errorf("cluster down: %w", err)
		}
	}
	if err := os.RemoveAll(st.Dir); err != nil {
		return fmt.Errorf("cluster down: remove %s: %w", st.Dir, err)
	}
	return nil
}

// stopNodes sends SIGTERM to the nodes (targets first), then SIGKILL to
// any still running after grace.
func (st *State) stopNodes(grace time.Duration) error {
	for i := len(st.Nodes) - 1; i >= 0; i-- {
		if n := st.Nodes[i]; ownsProcess(n) {
			_ = syscall.Kill(n.PID, syscall.SIGTERM)
		}
	}
	deadline := time.Now().Add(grace)
	for _, n := range st.Nodes {
		for ownsProcess(n) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if ownsProcess(n) {
			_ = syscall.Kill(-n.PID, syscall.SIGKILL)
			_ = syscall.Kill(n.PID, syscall.SIGKILL)
		}
	}
	return nil
}

// NodeStatus is one node's status.
type NodeStatus struct {
	NodeState
	Running bool   `json:"running"`
	Healthy bool   `json:"healthy"`
	Alive   bool   `json:"alive_in_smap"`
	Primary bool   `json:"primary,omitempty"` // the primary proxy
	Err     string `json:"error,omitempty"`
}

// Status reports every recorded node: process running, health answered,
// alive in the cluster map of a live proxy, and which proxy is primary.
func Status(ctx context.Context, dir string) ([]NodeStatus, error) {
	st, err := LoadState(dir)
	if err != nil {
		return nil, fmt.Errorf("cluster status: %w", err)
	}
	alive := map[string]bool{}
	primary := ""
	if sm, err := st.Client().Smap(ctx); err == nil {
		primary = sm.Proxy.ID
		for _, n := range sm.AllProxies() {
			alive[n.ID] = n.Alive
		}
		alive[sm.Proxy.ID] = true
		for _, t := range sm.Targets {
			alive[t.ID] = t.Alive
		}
	}
	cl := st.HTTPClient()
	cl.Timeout = 2 * time.Second
	out := make([]NodeStatus, 0, len(st.Nodes))
	for _, n := range st.Nodes {
		ns := NodeStatus{NodeState: n, Running: ownsProcess(n), Alive: alive[n.ID], Primary: n.ID == primary}
		resp, err := cl.Get(n.URL + api.PathHealth)
		if err != nil {
			ns.Err = err.Error()
		} else {
			var ni api.NodeInfo
			ns.Healthy = resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&ni) == nil
			resp.Body.Close()
		}
		out = append(out, ns)
	}
	return out, nil
}
