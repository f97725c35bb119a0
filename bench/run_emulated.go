package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/etlbench/etlbench/etlcore/embedded"
	"github.com/etlbench/etlbench/scenarios"
	"github.com/etlbench/etlbench/scenarios/runner"
)

// envRunStarted marks, in an `etlbench run` that re-executed itself in the
// client namespace, the cluster directory it brought up (so that it brings
// the cluster down at the end).
const envRunStarted = "ETLBENCH_RUN_STARTED_CLUSTER"

// enterEmulated prepares a run on an emulated-network cluster: an emulated
// cluster recorded in the cluster directory is used as it is; otherwise,
// when the scenario asks for the emulated network, one is brought up here.
// Either way this process then starts again inside the cluster's client
// namespace (where the loader and every control request run) and returns
// only there. A loopback cluster, or none with a loopback scenario, is
// left to the runner.
func enterEmulated(sc *scenarios.Scenario, opts *runner.RunOptions) error {
	dir := opts.ClusterDir
	if dir == "" {
		dir = runner.DefaultClusterDir
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("cluster dir: %w", err)
	}
	st, err := embedded.LoadState(dir)
	if err == nil && st.Net != nil && embedded.InNetns(st.Net.Client) {
		opts.ClusterStarted = os.Getenv(envRunStarted) == abs
		return nil
	}
	if err == nil && st.Running() {
		return embedded.EnterClientNetns(st) // nil on loopback: the runner uses it
	}
	if !sc.Cluster.Network.Emulated() {
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(os.Stderr, "starting an embedded cluster on the emulated network (%s): %d targets, %d mountpaths each, in %s\n",
		sc.Cluster.Network.String(), sc.Cluster.Targets, sc.Cluster.Mountpaths, dir)
	net := sc.Cluster.Network
	st, err = embedded.Up(ctx, embedded.Options{Dir: dir, Targets: sc.Cluster.Targets, Proxies: sc.Cluster.Proxies, Mountpaths: sc.Cluster.Mountpaths, Binary: opts.Binary, Net: &net})
	if err != nil {
		return err
	}
	if err := os.Setenv(envRunStarted, abs); err != nil {
		return err
	}
	err = embedded.EnterClientNetns(st)
	if derr := embedded.Down(dir); derr != nil {
		err = fmt.Errorf("%w (and cluster down: %v)", err, derr)
	}
	return err
}
