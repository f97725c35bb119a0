package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/etlbench/etlbench/etlcore/embedded"
)

func init() {
	register(&command{name: "cluster", summary: "bring the embedded cluster up or down, or show its status", run: runCluster})
}

const clusterUsage = `Usage: etlbench cluster up|down|status [flags]

  up      start a proxy and N targets as local processes on loopback; prints the proxy URL
  status  show every node of the recorded cluster
  down    stop every process 'up' started and remove its state
`

func runCluster(args []string) error {
	if done, err := opUsage(args, clusterUsage); done {
		return err
	}
	switch args[0] {
	case "up":
		return clusterUp(args[1:])
	case "down":
		return clusterDown(args[1:])
	case "status":
		return clusterStatus(args[1:])
	default:
		return usagef("unknown subcommand %q: want up, down or status", args[0])
	}
}

func clusterUp(args []string) error {
	fs := newFlags("cluster up", "[flags]")
	targets := fs.Int("targets", 3, "number of targets")
	mps := fs.Int("mountpaths", 1, "mountpaths per target")
	dir := fs.String("dir", defaultClusterDir, "directory to record the cluster in")
	port := fs.Int("port", 0, "proxy port (0: any free port)")
	timeout := fs.Duration("timeout", 60*time.Second, "how long to wait for every node to be ready")
	token := fs.String("auth-token", os.Getenv("ETLBENCH_AUTH_TOKEN"), "require this bearer token on the control API")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *targets < 1 || *targets > 64 {
		return usagef("--targets %d: want 1..64", *targets)
	}
	if *mps < 1 || *mps > 16 {
		return usagef("--mountpaths %d: want 1..16", *mps)
	}
	if *port < 0 || *port > 65535 {
		return usagef("--port %d is out of range 0..65535", *port)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	opts := embedded.Options{Dir: *dir, Targets: *targets, Mountpaths: *mps, Port: *port, Timeout: *timeout}
	if *token != "" {
		opts.ExtraArgs = []string{"--auth-token", *token}
	}
	st, err := embedded.Up(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "cluster up: proxy and %d targets running; state in %s\n", *targets, st.Dir)
	fmt.Println(st.ProxyURL)
	return nil
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
	fmt.Printf("%-4s %-7s %-8s %-26s %-8s %-8s %s\n", "ID", "ROLE", "PID", "URL", "RUNNING", "HEALTHY", "IN MAP")
	bad := 0
	for _, s := range sts {
		fmt.Printf("%-4s %-7s %-8d %-26s %-8v %-8v %v\n", s.ID, s.Role, s.PID, s.URL, s.Running, s.Healthy, s.Alive)
		if !s.Running || !s.Healthy {
			bad++
		}
	}
	if bad > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d node(s) not running or not healthy", bad)}
	}
	return nil
}
