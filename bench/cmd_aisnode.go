package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/etlbench/etlbench/internal/aisnode"
)

func init() {
	register(&command{name: "aisnode", summary: "bring a local AIStore cluster (aisnode processes) up or down", run: runAisnode})
}

// defaultAisnodeDir is where `aisnode up` records its cluster.
const defaultAisnodeDir = ".etlbench/aisnode"

const aisnodeUsage = `Usage: etlbench aisnode up|down [flags]

  up    start AIStore's aisnode as 1 proxy and N targets on loopback, with
        generated configs; waits until healthy; prints the proxy URL
  down  stop exactly the processes 'up' started and remove its directory
`

func runAisnode(args []string) error {
	return runSubcommand(args, aisnodeUsage, subcommand{"up", aisnodeUp}, subcommand{"down", aisnodeDown})
}

func aisnodeUp(args []string) error {
	fs := newFlags("aisnode up", "[flags]")
	targets := fs.Int("targets", 3, "number of targets")
	dir := fs.String("dir", defaultAisnodeDir, "directory for the cluster's configs, logs, data and record")
	bin := fs.String("aisnode", aisnode.DefaultBinary(), "the aisnode binary ($"+aisnode.EnvBinary+", else ../shared/aistore/bin/aisnode from the repository)")
	timeout := fs.Duration("timeout", 2*time.Minute, "how long to wait until the cluster is healthy")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *targets < 1 || *targets > 16 {
		return usagef("--targets %d: want 1..16", *targets)
	}
	if *bin == "" {
		return usagef("no aisnode binary: pass --aisnode PATH (docs/aisnode.md says how to build one)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	st, err := aisnode.Up(ctx, aisnode.Options{Binary: *bin, Dir: *dir, Targets: *targets, Timeout: *timeout})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "aisnode up: AIStore proxy and %d targets running; state in %s\n", *targets, st.Dir)
	fmt.Println(st.ProxyURL)
	return nil
}

func aisnodeDown(args []string) error {
	fs := newFlags("aisnode down", "[flags]")
	dir := fs.String("dir", defaultAisnodeDir, "directory the cluster is recorded in")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := aisnode.Down(*dir); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "aisnode down: stopped, %s removed\n", *dir)
	return nil
}
