package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/aisnode"
	"github.com/etlbench/etlbench/scenarios"
	"github.com/etlbench/etlbench/scenarios/runner"
)

func init() {
	register(&command{name: "run", summary: "run a scenario's matrix (scenarios/*.yaml) and write its report", run: runRun})
}

func runRun(args []string) error {
	fs := newFlags("run", "-s FILE [-o DIR] [--repeat N] [--set key=value ...] [--seed N] [--dry-run]")
	var ep endpointFlags
	var (
		file, out, display string
		repeat             int
		seed               int64
		sets               []string
		dryRun             bool
		cleanup, noPlots   bool
		aisBin, aisDir     string
		pageCache          string
	)
	fs.StringVarP(&file, "scenario", "s", "", "scenario file, e.g. scenarios/quick.yaml (required)")
	fs.StringVarP(&out, "out", "o", "", "results directory (default results/<scenario>-<timestamp>, linked as results/latest)")
	fs.IntVar(&repeat, "repeat", 0, "runs per cell (default: the scenario's repeats)")
	fs.StringArrayVar(&sets, "set", nil, "override a scenario field: key=value, e.g. duration=10s, matrix.comm=[ws], load.workers=16 (repeatable)")
	fs.Int64Var(&seed, "seed", 0, "seed of the run order and the generated data (default: the scenario's seed)")
	fs.BoolVar(&dryRun, "dry-run", false, "print the expanded matrix and exit; starts nothing")
	fs.StringVar(&display, "display", "auto", "progress: auto (bars on a terminal, lines otherwise), bars, lines or none")
	fs.BoolVar(&cleanup, "cleanup", false, "destroy the dataset buckets at the end (kept by default, for reuse)")
	fs.BoolVar(&noPlots, "no-plots", false, "write the report without plots")
	fs.StringVar(&aisBin, "aisnode", aisnode.DefaultBinary(), "aisnode binary for a scenario that runs on AIStore (cluster.kind aisnode, matrix.cluster)")
	fs.StringVar(&aisDir, "aisnode-dir", defaultAisnodeDir, "directory of the aisnode cluster (used when one runs there, else brought up and down for the run)")
	fs.StringVar(&pageCache, "page-cache", "", "before each cell that writes much on a local cluster, fill free memory with page cache: auto (when the kernel reports free memory to a hypervisor, whose page faults would be measured as system CPU), fill or leave (default $ETLBENCH_PAGE_CACHE, else auto)")
	ep.add(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q (the scenario is given with -s FILE)", fs.Args())
	}
	if err := runner.ValidPageCache(pageCache); err != nil {
		return usagef("--page-cache: %v", err)
	}
	if file == "" {
		return usagef("a scenario is required: -s FILE (e.g. -s scenarios/quick.yaml)")
	}
	switch display {
	case runner.DisplayAuto, runner.DisplayBars, runner.DisplayLines, runner.DisplayNone:
	default:
		return usagef("--display %q: want auto, bars, lines or none", display)
	}
	sc, err := scenarios.Load(file)
	if err != nil {
		return &exitError{code: 2, msg: err.Error()}
	}
	if fs.Changed("repeat") {
		sets = append(sets, "repeats="+strconv.Itoa(repeat))
	}
	if fs.Changed("seed") {
		sets = append(sets, "seed="+strconv.FormatInt(seed, 10))
	}
	if err := sc.SetAll(sets); err != nil {
		return &exitError{code: 2, msg: err.Error()}
	}
	if dryRun {
		printPlan(os.Stdout, sc)
		return nil
	}

	opts := runner.RunOptions{
		Out:           out,
		ClusterDir:    ep.dir,
		Token:         ep.token,
		AisnodeBinary: aisBin,
		AisnodeDir:    aisDir,
		Cleanup:       cleanup,
		NoPlots:       noPlots,
		PageCache:     pageCache,
		Display:       display,
		Stdout:        os.Stdout,
		Stderr:        os.Stderr,
	}
	// An explicit cluster: --proxy, else $AIS_ENDPOINT; otherwise the
	// embedded cluster of --cluster-dir, brought up when none runs there.
	if ep.proxy != "" {
		opts.ProxyURL = ep.proxy
	} else if v := os.Getenv(api.EnvEndpoint); v != "" {
		opts.ProxyURL = v
	}

	if opts.ProxyURL == "" {
		if err := enterEmulated(sc, &opts); err != nil {
			return err
		}
	}

	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case sig := <-sigs:
			// A second interrupt ends the process at once (default action).
			signal.Stop(sigs)
			fmt.Fprintf(os.Stderr, "\n%v: draining the current cell, deleting its ETL and cleaning up (interrupt again to quit at once)\n", sig)
			cancel(fmt.Errorf("%v", sig))
		case <-ctx.Done():
		}
	}()
	dir, err := runner.Run(ctx, sc, opts)
	if dir != "" {
		fmt.Fprintf(os.Stderr, "results: %s\n", dir)
	}
	return err
}

// printPlan writes the expanded matrix: every cell run in order, with the
// dataset it reads and the ETL it inits.
func printPlan(w io.Writer, sc *scenarios.Scenario) {
	runs := sc.Expand()
	fmt.Fprintf(w, "scenario %s (%s): %d cells x %d repeats = %d runs, seed %d\n", sc.Name, sc.File, len(sc.Points()), sc.Repeats, len(runs), sc.Seed)
	if len(sc.Sets()) > 0 {
		fmt.Fprintf(w, "overrides: %s\n", strings.Join(sc.Sets(), " "))
	}
	fmt.Fprintf(w, "cluster: %s, %d targets x %d mountpaths; load: %s, %d workers", sc.Cluster.Kind, sc.Cluster.Targets, sc.Cluster.Mountpaths, sc.Load.Model, sc.Load.Workers)
	if sc.Load.Rate > 0 {
		fmt.Fprintf(w, ", %g ops/s", sc.Load.Rate)
	}
	fmt.Fprintf(w, "; warm-up %v, duration %v per run\n", sc.Warmup, sc.Duration)
	fmt.Fprintf(w, "network: %s\n\n", sc.Cluster.Network.String())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tREPEAT\tCELL\tDATASET\tETL")
	for _, c := range runs {
		etl := "-"
		if c.UsesETL() {
			etl = runner.ETLName(&c)
			if c.Transformer.Args != "" {
				etl += " args=" + c.Transformer.Args
			}
		}
		data := c.Data.Bucket()
		if !c.NeedsData() {
			data = "(writes " + data + "-put)"
		}
		fmt.Fprintf(tw, "%d\tr%d\t%s\t%s\t%s\n", c.Index+1, c.Repeat, c.ID, data, etl)
	}
	tw.Flush()
	datasets := map[string]scenarios.DataKey{}
	for _, c := range runs {
		if c.NeedsData() {
			datasets[c.Data.Bucket()] = c.Data
		}
	}
	fmt.Fprintf(w, "\ndatasets (populated once, reused by every cell that reads them):\n")
	for _, c := range sc.Points() {
		if k, ok := datasets[c.Data.Bucket()]; ok {
			fmt.Fprintf(w, "  %s: %s\n", c.Data.Bucket(), k)
			delete(datasets, c.Data.Bucket())
		}
	}
}
