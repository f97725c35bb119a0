package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/embedded"
	"github.com/etlbench/etlbench/internal/aisnode"
	"github.com/etlbench/etlbench/scenarios"
)

// DefaultClusterDir is where the embedded cluster is recorded.
const DefaultClusterDir = ".etlbench/cluster"

// cluster is the cluster a run uses.
type cluster struct {
	URL        string
	Kind       string // embedded | kubernetes | aisnode | external
	Peer       string // its value of the matrix's cluster axis ("" without one)
	aisnode    bool   // Dir records an aisnode cluster (else an embedded one)
	Targets    int    // live targets when the run started
	Mountpaths int
	Started    bool            // the run brought it up: bring it down at the end
	Dir        string          // embedded: its state directory
	Network    string          // embedded on the emulated network: its description
	State      *embedded.State // embedded: as recorded
	Client     *api.Client
}

// ensureCluster finds the cluster to run on, or brings an embedded one up.
func ensureCluster(ctx context.Context, sc *scenarios.Scenario, opts *RunOptions, say func(string, ...any)) (*cluster, error) {
	cl := &cluster{Kind: sc.Cluster.Kind, Mountpaths: sc.Cluster.Mountpaths}
	if opts.ProxyURL != "" {
		cl.URL = opts.ProxyURL
		if err := cl.connect(ctx, opts.Token); err != nil {
			return nil, fmt.Errorf("cluster at %s: %w", cl.URL, err)
		}
		if sc.Cluster.Kind == scenarios.ClusterEmbedded {
			cl.Kind = "external"
		}
		return cl, nil
	}
	if sc.Cluster.Kind == scenarios.ClusterAisnode {
		return ensureAisnode(ctx, sc, opts, say)
	}
	if sc.Cluster.Kind == scenarios.ClusterKubernetes {
		return nil, fmt.Errorf("scenario %s runs on kubernetes: deploy etlcore there ('etlbench deploy') and pass --proxy URL or set %s", sc.Name, api.EnvEndpoint)
	}
	dir := opts.ClusterDir
	if dir == "" {
		dir = DefaultClusterDir
	}
	cl.Dir = dir
	if st, err := embedded.LoadState(dir); err == nil {
		cl.URL, cl.State = st.ProxyURL, st
		if st.Net != nil {
			cl.Network = st.Net.Spec.String()
		}
		// Outside an emulated cluster's client namespace its addresses
		// are not reachable: nothing is sent to them from here.
		outside := st.Net != nil && !embedded.InNetns(st.Net.Client)
		if !outside {
			if err := cl.connect(ctx, opts.Token); err == nil {
				cl.Started = opts.ClusterStarted
				say("using the embedded cluster in %s (proxy %s, %d targets)", dir, cl.URL, cl.Targets)
				return cl, nil
			}
		}
		if outside && st.Running() {
			return nil, fmt.Errorf("the emulated-network cluster recorded in %s does not answer from this process (run by 'etlbench run', which enters its client namespace, or bring it down with 'etlbench cluster down --dir %s')", dir, dir)
		}
		say("the cluster recorded in %s does not answer; starting a new one", dir)
	}
	if sc.Cluster.Network.Emulated() {
		// 'etlbench run' brings an emulated cluster up itself, then enters its client namespace.
		return nil, fmt.Errorf("scenario %s runs on the emulated network: run it with 'etlbench run', or bring the cluster up with 'etlbench cluster up --net emulated --dir %s'", sc.Name, dir)
	}
	say("starting an embedded cluster: %d prox(ies), %d targets, %d mountpaths each, in %s", sc.Cluster.Proxies, sc.Cluster.Targets, sc.Cluster.Mountpaths, dir)
	start := time.Now()
	// The run brings the cluster down itself; its nodes die with it too
	// when it is killed.
	st, err := embedded.Up(ctx, embedded.Options{Dir: dir, Targets: sc.Cluster.Targets, Proxies: sc.Cluster.Proxies, Mountpaths: sc.Cluster.Mountpaths, Binary: opts.Binary, DieWithParent: true})
	if err != nil {
		return nil, err
	}
	cl.URL, cl.Started, cl.Kind, cl.State = st.ProxyURL, true, scenarios.ClusterEmbedded, st
	if err := cl.connect(ctx, opts.Token); err != nil {
		_ = embedded.Down(dir)
		return nil, fmt.Errorf("cluster just started at %s: %w", cl.URL, err)
	}
	say("cluster up in %.1fs: proxy %s", time.Since(start).Seconds(), cl.URL)
	return cl, nil
}

// networkOrLoopback is the network the cluster runs on, as NetSpec.String.
func (c *cluster) networkOrLoopback() string {
	if c.Network == "" {
		return embedded.NetLoopback
	}
	return c.Network
}

// connect makes the client and counts the live targets.
func (c *cluster) connect(ctx context.Context, token string) error {
	c.Client = api.NewClient(c.URL)
	c.Client.Token = token
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	sm, err := c.Client.Smap(ctx)
	if err != nil {
		return err
	}
	c.Targets = sm.AliveTargets()
	if c.Targets == 0 {
		return fmt.Errorf("no live targets")
	}
	return nil
}

// down brings the cluster down if the run started it.
func (c *cluster) down() error {
	if c == nil || !c.Started {
		return nil
	}
	c.Started = false
	if c.aisnode {
		return aisnode.Down(c.Dir)
	}
	return embedded.Down(c.Dir)
}

// pids are the cluster's server processes (proxy and targets) when it is
// a local one recorded in Dir; nil otherwise.
func (c *cluster) pids() []int {
	if c == nil || c.Dir == "" {
		return nil
	}
	if c.aisnode {
		st, err := aisnode.LoadState(c.Dir)
		if err != nil {
			return nil
		}
		return st.PIDs()
	}
	st, err := embedded.LoadState(c.Dir)
	if err != nil {
		return nil
	}
	var out []int
	for _, n := range st.Nodes {
		if n.PID > 0 {
			out = append(out, n.PID)
		}
	}
	return out
}

// DefaultAisnodeDir is where a run's aisnode cluster is recorded (the
// directory `etlbench aisnode up` uses by default).
const DefaultAisnodeDir = ".etlbench/aisnode"

// ensureAisnode finds the AIStore cluster to run on: --proxy (the user's
// own AIStore), else the aisnode cluster recorded in opts.AisnodeDir, else
// one brought up there from opts.AisnodeBinary for the run.
func ensureAisnode(ctx context.Context, sc *scenarios.Scenario, opts *RunOptions, say func(string, ...any)) (*cluster, error) {
	cl := &cluster{Kind: scenarios.ClusterAisnode, Mountpaths: 1, aisnode: true}
	if opts.ProxyURL != "" && sc.Cluster.Kind == scenarios.ClusterAisnode {
		cl.URL, cl.Kind, cl.aisnode = opts.ProxyURL, "external", false
		if err := cl.connect(ctx, opts.Token); err != nil {
			return nil, fmt.Errorf("AIStore cluster at %s: %w", cl.URL, err)
		}
		return cl, nil
	}
	dir := opts.AisnodeDir
	if dir == "" {
		dir = DefaultAisnodeDir
	}
	cl.Dir = dir
	if st, err := aisnode.LoadState(dir); err == nil && len(st.PIDs()) > 0 {
		cl.URL = st.ProxyURL
		if err := cl.connect(ctx, opts.Token); err == nil {
			say("using the aisnode cluster in %s (proxy %s, %d targets)", dir, cl.URL, cl.Targets)
			return cl, nil
		}
		return nil, fmt.Errorf("the aisnode cluster recorded in %s does not answer: 'etlbench aisnode down --dir %s' first", dir, dir)
	}
	say("starting an aisnode (AIStore) cluster: %d targets, in %s", sc.Cluster.Targets, dir)
	start := time.Now()
	st, err := aisnode.Up(ctx, aisnode.Options{Binary: opts.AisnodeBinary, Dir: dir, Targets: sc.Cluster.Targets, DieWithParent: true})
	if err != nil {
		return nil, err
	}
	cl.URL, cl.Started = st.ProxyURL, true
	if err := cl.connect(ctx, opts.Token); err != nil {
		_ = aisnode.Down(dir)
		return nil, fmt.Errorf("aisnode cluster just started at %s: %w", cl.URL, err)
	}
	say("aisnode cluster up in %.1fs: proxy %s", time.Since(start).Seconds(), cl.URL)
	return cl, nil
}

// ensurePeers brings up (or finds) one cluster per value of the matrix's
// cluster axis: etlcore is the embedded cluster, aisnode an AIStore one.
func ensurePeers(ctx context.Context, sc *scenarios.Scenario, opts *RunOptions, say func(string, ...any)) (map[string]*cluster, error) {
	if opts.ProxyURL != "" {
		return nil, fmt.Errorf("scenario %s compares clusters (matrix.cluster) that the run brings up itself: --proxy / %s do not apply", sc.Name, api.EnvEndpoint)
	}
	out := map[string]*cluster{}
	for _, peer := range sc.Matrix.Cluster {
		var cl *cluster
		var err error
		switch peer {
		case scenarios.PeerEtlcore:
			cl, err = ensureCluster(ctx, sc, opts, say)
		case scenarios.PeerAisnode:
			cl, err = ensureAisnode(ctx, sc, opts, say)
		default:
			err = fmt.Errorf("unknown cluster %q in matrix.cluster", peer)
		}
		if err != nil {
			for _, c := range out {
				_ = c.down()
			}
			return nil, err
		}
		cl.Peer = peer
		out[peer] = cl
	}
	return out, nil
}
