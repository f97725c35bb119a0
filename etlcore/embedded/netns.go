package embedded

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// NetnsPrefix begins the name of every network namespace etlbench
// creates: "etlb-<cluster id>-<node>", so `cluster down` and the next
// `cluster up` find what a killed run left.
const NetnsPrefix = "etlb-"

// netnsDir is where `ip netns` keeps named namespaces.
const netnsDir = "/run/netns"

// Addresses of the emulated network. They exist only inside the
// cluster's namespaces, which have no route to anything else.
const (
	netPrefixLen = 16
	netBase      = "10.237."
	clientAddr   = netBase + "0.1"
	// proxyAddrBase + i is the last byte of proxy p<i>'s address.
	proxyAddrBase = 1
	// TransformerPort is the port every transformer listens on in the
	// emulated network, as in a Kubernetes pod.
	TransformerPort = 8000
	// transformerAddrs is how many addresses each target has for its
	// transformers (one transformer per address, all on port 8000).
	transformerAddrs = 8
	bridgeDev        = "br0"
	nodeDev          = "eth0"
	clientLinkName   = "client"
)

// NetState is the emulated network of a cluster, as recorded.
type NetState struct {
	ID     string  `json:"id"`
	Spec   NetSpec `json:"spec"`
	Bridge string  `json:"bridge_netns"` // the namespace that holds the bridge
	Client string  `json:"client_netns"` // the namespace client commands run in
	// Links are the client's and every node's: one veth each, from the
	// bridge namespace into the node's.
	Links []LinkState `json:"links"`
}

// LinkState is one veth link between the bridge and a namespace.
type LinkState struct {
	Name      string    `json:"name"`  // "client" or the node id (p1, t1, ...)
	Netns     string    `json:"netns"` // the node's namespace
	Addr      string    `json:"addr"`  // the node's address
	ExtraAddr []string  `json:"extra_addrs,omitempty"`
	BridgeDev string    `json:"bridge_dev"` // the veth end in the bridge namespace
	Dev       string    `json:"dev"`        // the veth end in the node namespace
	Shape     LinkShape `json:"shape"`
}

// Link returns the recorded link called name ("client", "p1", "t1"...).
func (n *NetState) Link(name string) (LinkState, bool) {
	for _, l := range n.Links {
		if l.Name == name {
			return l, true
		}
	}
	return LinkState{}, false
}

// NetID names the namespaces of the cluster in directory dir (an
// absolute path): the same directory always gets the same id, so its
// leftovers are found again.
func NetID(dir string) string {
	h := sha256.Sum256([]byte(dir))
	return hex.EncodeToString(h[:])[:6]
}

func netnsName(id, node string) string { return NetnsPrefix + id + "-" + node }

// CheckEmulated reports, naming what is missing, why this host cannot run
// the emulated network: it needs root and the ip and tc commands.
func CheckEmulated() error {
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, fmt.Sprintf("root (it creates network namespaces; running as uid %d)", os.Geteuid()))
	}
	for _, tool := range []string{"ip", "tc"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, fmt.Sprintf("the %q command (iproute2) on PATH", tool))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("--net emulated (cluster.network.mode: emulated) needs %s; use --net loopback (the default) otherwise", strings.Join(missing, " and "))
	}
	return nil
}

// netCmd runs ip or tc and returns its output; a failure names the command
// and what it printed.
func netCmd(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// setupNet creates the namespaces, bridge and links of a cluster with
// proxies proxies and targets targets, and shapes the links. On failure it
// removes what it created.
func setupNet(ctx context.Context, id string, spec NetSpec, proxies, targets int) (n *NetState, err error) {
	n = &NetState{ID: id, Spec: spec, Bridge: netnsName(id, "br"), Client: netnsName(id, "c")}
	defer func() {
		if err != nil {
			_ = removeNetns(context.WithoutCancel(ctx), n.Namespaces())
		}
	}()
	if err := addNetns(ctx, n.Bridge); err != nil {
		return n, err
	}
	if _, err := netCmd(ctx, "ip", "-n", n.Bridge, "link", "add", bridgeDev, "type", "bridge"); err != nil {
		return n, fmt.Errorf("emulated network: bridge: %w", err)
	}
	if _, err := netCmd(ctx, "ip", "-n", n.Bridge, "link", "set", bridgeDev, "up"); err != nil {
		return n, fmt.Errorf("emulated network: bridge: %w", err)
	}
	n.Links = append(n.Links, LinkState{Name: clientLinkName, Netns: n.Client, Addr: clientAddr, Shape: spec.ClientLink})
	for i := 1; i <= max(proxies, 1); i++ {
		name := fmt.Sprintf("p%d", i)
		n.Links = append(n.Links, LinkState{Name: name, Netns: netnsName(id, name), Addr: fmt.Sprintf("%s0.%d", netBase, proxyAddrBase+i), Shape: spec.NodeLink})
	}
	for i := 1; i <= targets; i++ {
		l := LinkState{Name: fmt.Sprintf("t%d", i), Netns: netnsName(id, fmt.Sprintf("t%d", i)),
			Addr: fmt.Sprintf("%s1.%d", netBase, i), Shape: spec.NodeLink}
		for k := 1; k <= transformerAddrs; k++ {
			l.ExtraAddr = append(l.ExtraAddr, fmt.Sprintf("%s%d.%d", netBase, 100+i, k))
		}
		n.Links = append(n.Links, l)
	}
	for i := range n.Links {
		if err := addLink(ctx, n.Bridge, &n.Links[i]); err != nil {
			return n, err
		}
	}
	return n, nil
}

// addNetns creates a named namespace with its loopback up.
func addNetns(ctx context.Context, name string) error {
	if _, err := netCmd(ctx, "ip", "netns", "add", name); err != nil {
		return fmt.Errorf("emulated network: %w", err)
	}
	if _, err := netCmd(ctx, "ip", "-n", name, "link", "set", "lo", "up"); err != nil {
		return fmt.Errorf("emulated network: %w", err)
	}
	return nil
}

// addLink creates l's namespace and its veth pair (one end on the bridge,
// the other in the namespace with l's addresses), then shapes both ends.
func addLink(ctx context.Context, bridge string, l *LinkState) error {
	if err := addNetns(ctx, l.Netns); err != nil {
		return err
	}
	l.BridgeDev, l.Dev = "v"+l.Name, nodeDev
	steps := [][]string{
		{"ip", "-n", bridge, "link", "add", l.BridgeDev, "type", "veth", "peer", "name", l.Dev, "netns", l.Netns},
		{"ip", "-n", bridge, "link", "set", l.BridgeDev, "master", bridgeDev},
		{"ip", "-n", bridge, "link", "set", l.BridgeDev, "up"},
		{"ip", "-n", l.Netns, "addr", "add", fmt.Sprintf("%s/%d", l.Addr, netPrefixLen), "dev", l.Dev},
	}
	for _, a := range l.ExtraAddr {
		steps = append(steps, []string{"ip", "-n", l.Netns, "addr", "add", fmt.Sprintf("%s/%d", a, netPrefixLen), "dev", l.Dev})
	}
	steps = append(steps, []string{"ip", "-n", l.Netns, "link", "set", l.Dev, "up"})
	for _, s := range steps {
		if _, err := netCmd(ctx, s[0], s[1:]...); err != nil {
			return fmt.Errorf("emulated network: link %s: %w", l.Name, err)
		}
	}
	if err := shapeDev(ctx, bridge, l.BridgeDev, l.Shape); err != nil {
		return fmt.Errorf("emulated network: link %s: %w", l.Name, err)
	}
	if err := shapeDev(ctx, l.Netns, l.Dev, l.Shape); err != nil {
		return fmt.Errorf("emulated network: link %s: %w", l.Name, err)
	}
	return nil
}

// Namespaces lists every namespace of n, the bridge's last.
func (n *NetState) Namespaces() []string {
	var out []string
	for _, l := range n.Links {
		out = append(out, l.Netns)
	}
	return append(out, n.Bridge)
}

// removeNetns deletes the named namespaces that exist; their veths and the
// bridge go with them. It returns the first failure but tries them all.
func removeNetns(ctx context.Context, names []string) error {
	var first error
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(netnsDir, name)); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if _, err := netCmd(ctx, "ip", "netns", "del", name); err != nil && first == nil {
			first = fmt.Errorf("emulated network: remove namespace: %w", err)
		}
	}
	return first
}

// listNetns returns the names of etlbench's namespaces of cluster id (all
// of etlbench's namespaces when id is empty), sorted.
func listNetns(id string) []string {
	ents, err := os.ReadDir(netnsDir)
	if err != nil {
		return nil
	}
	prefix := NetnsPrefix
	if id != "" {
		prefix += id + "-"
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// RemoveLeftovers removes what earlier emulated clusters left behind: the
// namespaces of the cluster directory dir (whatever their state), and
// those of any other etlbench cluster in which no process runs and that
// are older than a minute (a run killed before it could clean up). It
// returns the namespaces it removed.
func RemoveLeftovers(ctx context.Context, dir string) ([]string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("emulated network: %w", err)
	}
	own := NetID(abs)
	byID := map[string][]string{}
	for _, name := range listNetns("") {
		rest := strings.TrimPrefix(name, NetnsPrefix)
		id, _, ok := strings.Cut(rest, "-")
		if !ok {
			continue
		}
		byID[id] = append(byID[id], name)
	}
	var removed []string
	var first error
	for id, names := range byID {
		if id != own && !abandoned(ctx, names) {
			continue
		}
		if err := removeNetns(ctx, names); err != nil && first == nil {
			first = err
		}
		removed = append(removed, names...)
	}
	sort.Strings(removed)
	return removed, first
}

// abandoned reports whether no process runs in any of the namespaces and
// all were created more than a minute ago (a cluster being brought up has
// namespaces before it has processes).
func abandoned(ctx context.Context, names []string) bool {
	for _, name := range names {
		fi, err := os.Stat(filepath.Join(netnsDir, name))
		if err != nil || time.Since(fi.ModTime()) < time.Minute {
			return false
		}
		out, err := netCmd(ctx, "ip", "netns", "pids", name)
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			return false
		}
	}
	return true
}
