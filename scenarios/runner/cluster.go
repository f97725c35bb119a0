package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/embedded"
	"github.com/etlbench/etlbench/scenarios"
)

// DefaultClusterDir is where the embedded cluster is recorded.
const DefaultClusterDir = ".etlbench/cluster"

// cluster is the cluster a run uses.
type cluster struct {
	URL        string
	Kind       string // embedded | kubernetes | external
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
	say("starting an embedded cluster: %d targets, %d mountpaths each, in %s", sc.Cluster.Targets, sc.Cluster.Mountpaths, dir)
	start := time.Now()
	st, err := embedded.Up(ctx, embedded.Options{Dir: dir, Targets: sc.Cluster.Targets, Mountpaths: sc.Cluster.Mountpaths, Binary: opts.Binary})
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
	c.Targets = 0
	for _, t := range sm.Targets {
		if t.Alive {
			c.Targets++
		}
	}
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
	return embedded.Down(c.Dir)
}
