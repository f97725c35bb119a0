package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/embedded"
)

func init() {
	register(&command{name: "cluster", summary: "bring the embedded cluster up or down, or show its status", run: runCluster})
}

const clusterUsage = `Usage: etlbench cluster up|down|status|exec [flags]

  up      start the proxies (--proxies N, p1 primary) and N targets as local
          processes (on loopback, or with --net emulated each in a network
          namespace of its own); prints p1's URL
  status  show every node of the recorded cluster (ROLE: primary, proxy or target)
  exec    run a command in the cluster's client namespace (--net emulated):
          etlbench cluster exec [--dir DIR] -- curl -s http://10.237.0.2:PORT/v1/health
  down    stop every process 'up' started, remove its namespaces and its state
`

func runCluster(args []string) error {
	return runSubcommand(args, clusterUsage, subcommand{"up", clusterUp}, subcommand{"down", clusterDown},
		subcommand{"status", clusterStatus}, subcommand{"exec", clusterExec})
}

func clusterUp(args []string) error {
	fs := newFlags("cluster up", "[flags]")
	targets := fs.Int("targets", 3, "number of targets")
	proxies := fs.Int("proxies", 1, "number of proxies: p1 starts as primary, the others take over when it fails (docs/cluster.md)")
	mps := fs.Int("mountpaths", 1, "mountpaths per target")
	dir := fs.String("dir", defaultClusterDir, "directory to record the cluster in")
	port := fs.Int("port", 0, "p1's port (0: any free port; the other proxies take any free port)")
	timeout := fs.Duration("timeout", 60*time.Second, "how long to wait for every node to be ready")
	token := fs.String("auth-token", os.Getenv("ETLBENCH_AUTH_TOKEN"), "require this bearer token on the control API")
	netMode := fs.String("net", embedded.NetLoopback, "network: loopback, or emulated (every node in a network namespace of its own, shaped links; needs root, ip and tc)")
	nodeLink := fs.String("node-link", "", "emulated: shape of every node's link, e.g. rate=10Gbit,delay=100us,jitter=20us,loss=0.01%")
	clientLink := fs.String("client-link", "", "emulated: shape of the client's link, e.g. rate=1Gbit,delay=5ms")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	net, err := netSpecFlags(*netMode, *nodeLink, *clientLink, fs.Changed("node-link") || fs.Changed("client-link"))
	if err != nil {
		return err
	}
	if *targets < 1 || *targets > 64 {
		return usagef("--targets %d: want 1..64", *targets)
	}
	if *proxies < 1 || *proxies > 16 {
		return usagef("--proxies %d: want 1..16", *proxies)
	}
	if *mps < 1 || *mps > 16 {
		return usagef("--mountpaths %d: want 1..16", *mps)
	}
	if *port < 0 || *port > 65535 {
		return usagef("--port %d is out of range 0..65535", *port)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	opts := embedded.Options{Dir: *dir, Targets: *targets, Proxies: *proxies, Mountpaths: *mps, Port: *port, Timeout: *timeout, Net: net}
	if *token != "" {
		opts.ExtraArgs = []string{"--auth-token", *token}
	}
	st, err := embedded.Up(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "cluster up: %d prox%s and %d targets running; state in %s\n", *proxies, plural(*proxies, "y", "ies"), *targets, st.Dir)
	if st.Net != nil {
		fmt.Fprintf(os.Stderr, "cluster up: emulated network: node links %s, client link %s; client commands enter namespace %s (other programs: 'etlbench cluster exec --dir %s -- CMD')\n",
			st.Net.Spec.NodeLink, st.Net.Spec.ClientLink, st.Net.Client, *dir)
	}
	fmt.Println(st.ProxyURL)
	return nil
}

// netSpecFlags turns --net, --node-link and --client-link into the
// cluster's network (nil: loopback).
func netSpecFlags(mode, nodeLink, clientLink string, linksGiven bool) (*embedded.NetSpec, error) {
	switch mode {
	case embedded.NetLoopback:
		if linksGiven {
			return nil, usagef("--node-link and --client-link shape the emulated network: add --net emulated")
		}
		return nil, nil
	case embedded.NetEmulated:
	default:
		return nil, usagef("--net %q: want loopback or emulated", mode)
	}
	spec := &embedded.NetSpec{Mode: embedded.NetEmulated}
	var err error
	if spec.NodeLink, err = embedded.ParseLink(nodeLink); err != nil {
		return nil, usagef("--node-link: %v", err)
	}
	if spec.ClientLink, err = embedded.ParseLink(clientLink); err != nil {
		return nil, usagef("--client-link: %v", err)
	}
	return spec, nil
}

// clusterExec runs a command in the client namespace of the recorded
// emulated cluster (on loopback: as it is).
func clusterExec(args []string) error {
	fs := newFlags("cluster exec", "[--dir DIR] -- COMMAND [ARGS...]")
	dir := fs.String("dir", defaultClusterDir, "directory the cluster is recorded in")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("cluster exec: no command (etlbench cluster exec -- COMMAND [ARGS...])")
	}
	st, err := embedded.LoadState(*dir)
	if err != nil {
		return err
	}
	env := append(os.Environ(), api.EnvEndpoint+"="+st.ProxyURL)
	if st.Net == nil {
		return execCommand(fs.Args(), env)
	}
	return embedded.ExecInNetns(st.Net.Client, fs.Args(), append(env, embedded.EnvNetns+"="+st.Net.Client))
}

// execCommand replaces this process with argv.
func execCommand(argv, env []string) error {
	prog, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("cluster exec: %w", err)
	}
	return syscall.Exec(prog, argv, env)
}

func clusterDown(args []string) error {
	fs := newFlags("cluster down", "[flags]")
	dir := fs.String("dir", defaultClusterDir, "directory the cluster is recorded in")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return embedded.Down(*dir)
}

func clusterStatus(args []string) error {
	fs := newFlags("cluster status", "[flags]")
	dir := fs.String("dir", defaultClusterDir, "directory the cluster is recorded in")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sts, err := embedded.Status(ctx, *dir)
	if err != nil {
		return err
	}
	if st, err := embedded.LoadState(*dir); err == nil && st.Net != nil {
		fmt.Printf("network: %s; client namespace %s\n", st.Net.Spec.String(), st.Net.Client)
	}
	fmt.Printf("%-4s %-7s %-8s %-26s %-8s %-8s %s\n", "ID", "ROLE", "PID", "URL", "RUNNING", "HEALTHY", "IN MAP")

	bad := 0
	for _, s := range sts {
		role := s.Role
		if s.Primary {
			role = "primary"
		}
		fmt.Printf("%-4s %-7s %-8d %-26s %-8v %-8v %v\n", s.ID, role, s.PID, s.URL, s.Running, s.Healthy, s.Alive)
		if !s.Running || !s.Healthy {
			bad++
		}
	}
	if bad > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d node(s) not running or not healthy", bad)}
	}
	return nil
}

// plural returns one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
