package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/etlbench/etlbench/loadgen"
)

func init() {
	register(&command{name: "load", summary: "drive load (aisloader-style): PUT, GET, inline ETL, transform-copy, offline jobs", run: runLoad})
}

// secondsOrDuration is a duration flag that also takes a bare number of
// seconds (aisloader's -statsinterval=10).
type secondsOrDuration struct{ d *time.Duration }

func (v secondsOrDuration) String() string {
	if v.d == nil || *v.d == 0 {
		return "0" // pflag shows no default for "0"
	}
	return v.d.String()
}
func (v secondsOrDuration) Type() string { return "duration" }
func (v secondsOrDuration) Set(s string) error {
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if n < 0 {
			return fmt.Errorf("%q is negative", s)
		}
		*v.d = time.Duration(n * float64(time.Second))
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q: want a duration like 30s, 2m, 1h30m (or a number of seconds)", s)
	}
	if d < 0 {
		return fmt.Errorf("%q is negative", s)
	}
	*v.d = d
	return nil
}

// sizeFlag is a byte size flag: 1024, 4KiB, 1.5MiB, 8M.
type sizeFlag struct{ n *int64 }

func (v sizeFlag) String() string {
	if v.n == nil || *v.n == 0 {
		return "0"
	}
	return loadgen.FormatSize(*v.n)
}
func (v sizeFlag) Type() string { return "size" }
func (v sizeFlag) Set(s string) error {
	n, err := loadgen.ParseSize(s)
	if err != nil {
		return err
	}
	*v.n = n
	return nil
}

// defaultLoadDuration is how long `etlbench load` measures unless told.
const defaultLoadDuration = time.Minute

func runLoad(args []string) error {
	cfg, err := newLoadFlags().config(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal the run drains and cleans up; a second
		// one ends the process at once (the default action).
		<-ctx.Done()
		stop()
		fmt.Fprintln(os.Stderr, "etlbench load: stopping: draining requests, stopping the ETL, cleaning up (signal again to quit at once)")
	}()
	res, err := loadgen.Run(ctx, cfg.Config, os.Stdout)
	if err != nil {
		return withLoadFlags(err)
	}
	if err := cfg.ais.writeStats(res); err != nil {
		return err
	}
	if cfg.OutDir != "" && !cfg.JSON {
		fmt.Fprintf(os.Stdout, "results: %s/%s\n", cfg.OutDir, loadgen.ResultFile)
	}
	if ctx.Err() != nil {
		return &exitError{code: 130, msg: "interrupted: the partial summary is above"}
	}
	return nil
}

// loadFlags are the flags of `etlbench load` and where they land.
type loadFlags struct {
	fs  *pflag.FlagSet
	ep  endpointFlags
	cfg loadgen.Config
	ais aisloaderFlags

	specFile, sizes, pipeline string
}

// loadConfig is a checked configuration of `etlbench load`.
type loadConfig struct {
	loadgen.Config
	ais *aisloaderFlags
}

// newLoadFlags defines the flags of `etlbench load`; their defaults are
// loadgen's, but for the duration.
func newLoadFlags() *loadFlags {
	l := &loadFlags{fs: newFlags("load", "[flags]   (aisloader's -name=value spelling is accepted too)")}
	fs, cfg := l.fs, &l.cfg
	l.ep.add(fs)
	cfg.Duration, cfg.StatsInterval = defaultLoadDuration, loadgen.DefaultStatsInterval
	cfg.MinSize, cfg.MaxSize = loadgen.DefaultMinSize, loadgen.DefaultMaxSize
	cfg.MaxLag, cfg.DrainTimeout = loadgen.DefaultMaxLag, loadgen.DefaultDrainTimeout
	fs.StringVar(&cfg.Bucket, "bucket", "", "source bucket (created when missing) (required)")
	fs.StringVar(&cfg.DstBucket, "dst-bucket", "", "destination of etl-copy and offline jobs (default <bucket>-out)")
	fs.StringVar(&cfg.Op, "op", loadgen.OpGet, "operation: get, put, etl-get, etl-copy, etl-bucket, etl-multi, mixed (--pctput PUTs, the rest etl-get with --etl, else get), client-etl-get or client-etl-copy (GET raw, run the built-in --etl in the loader, and for copy PUT the result to --dst-bucket); or list (each operation lists the whole bucket)")
	fs.Var(secondsOrDuration{&cfg.Duration}, "duration", "how long to measure (0: until --maxputs, --totalputsize or --epochs; offline ops: one job unless given)")
	fs.Var(secondsOrDuration{&cfg.Warmup}, "warmup", "run this long before measuring (kept in the result, not in the summary)")
	fs.Var(secondsOrDuration{&cfg.StatsInterval}, "statsinterval", "stats interval: one histogram per operation per interval, one progress line")
	fs.IntVar(&cfg.Workers, "numworkers", 0, "closed loop: concurrent workers (0: 10); open loop: most requests in flight (0: rate/10, 16..4096)")
	fs.Float64Var(&cfg.Rate, "rate", 0, "open loop: operations per second (0: closed loop)")
	fs.Var(secondsOrDuration{&cfg.MaxLag}, "max-lag", "open loop: sends later than this are not made and counted as missed")
	fs.Var(secondsOrDuration{&cfg.Timeout}, "timeout", "timeout of one request (0: none)")
	fs.Var(secondsOrDuration{&cfg.DrainTimeout}, "drain-timeout", "how long requests in flight may finish at the end")
	fs.IntVar(&cfg.PctPut, "pctput", 0, "percentage of PUTs (0..100); --op put means 100")
	fs.Var(sizeFlag{&cfg.MinSize}, "minsize", "smallest PUT object; units B, KiB, MiB, GiB (powers of 1024)")
	fs.Var(sizeFlag{&cfg.MaxSize}, "maxsize", "largest PUT object; sizes are uniform in [minsize, maxsize]")
	fs.StringVar(&l.sizes, "sizes", "", "fixed sizes with weights instead of min/max, e.g. 4KiB:3,1MiB:1")
	fs.Int64Var(&cfg.Seed, "seed", 0, "random seed (0: from the clock; the one used is in result.json)")
	fs.Int64Var(&cfg.MaxPuts, "maxputs", 0, "stop after this many PUTs (0: no limit)")
	fs.Var(sizeFlag{&cfg.TotalPutSize}, "totalputsize", "stop after this many bytes were PUT (0: no limit)")
	fs.IntVar(&cfg.Epochs, "epochs", 0, "read every object of the bucket this many times, in order, then stop; offline ops: run this many jobs")
	fs.IntVar(&cfg.Objects, "objects", 0, "populate the bucket up to this many objects (random, --minsize..--maxsize) before the run")
	fs.StringVar(&cfg.ObjPrefix, "prefix", "", "name prefix of the objects the run PUTs (default lg-<seed>/)")
	fs.StringVar(&cfg.ETLName, "etl", "", "ETL to use: a running ETL's name, or a built-in transformer (echo, md5, hash-with-args, ...) that the loader inits and removes")
	fs.StringVar(&l.specFile, "etl-spec", "", "init spec file (JSON or YAML) of the ETL to init for the run (removed at the end)")
	fs.StringVar(&cfg.ETLArgs, "etl-args", "", "etl_args passed with every transform")
	fs.StringVar(&l.pipeline, "pipeline", "", "further ETLs after --etl, comma-separated")
	fs.StringVar(&cfg.Comm, "comm", "hpush", "communication of an ETL built from --etl: hpush, hpull or ws")
	fs.BoolVar(&cfg.DirectPut, "direct-put", false, "direct put: support_direct_put of a built ETL and the switch of offline jobs (default: the spec's)")
	fs.IntVar(&cfg.JobWorkers, "job-workers", 0, "num-workers of offline jobs (0 auto, -1 one per mountpath, >0 exact)")
	fs.StringVar(&cfg.Template, "template", "", "etl-multi: range template of source names (default: every listed object)")
	fs.BoolVar(&cfg.Verify, "verify", false, "check every result: transformed objects against the transform computed locally (built-in transformers), GETs against what was PUT or the listed size and checksum, listings against the known objects, a PUT-only run by reading a sample back")
	fs.BoolVar(&cfg.VerifyHash, "verifyhash", false, "check the xxhash64 checksum of every GET")
	fs.BoolVar(&cfg.Cleanup, "cleanup", false, "at the end, destroy the buckets the run created and delete the objects it PUT")
	fs.StringVar(&cfg.OutDir, "out", "", "results directory: result.json and <op>.hlog")
	fs.BoolVar(&cfg.JSON, "json", false, "progress lines and the summary as JSON")
	fs.StringVar(&cfg.Display, "display", "auto", "live display: auto (bars on a terminal, else lines), bars, lines or none")
	l.ais.add(fs)
	return l
}

// config parses args and returns the checked configuration; its errors
// name the flags.
func (l *loadFlags) config(args []string) (*loadConfig, error) {
	fs, cfg := l.fs, &l.cfg
	norm := loadgen.NormalizeArgs(args, func(name string) bool {
		f := fs.Lookup(name)
		return f != nil && f.Value.Type() != "bool"
	})
	if err := parseFlags(fs, norm); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if err := l.ais.apply(fs, &l.ep, cfg); err != nil {
		return nil, err
	}
	if err := l.applyLists(); err != nil {
		return nil, err
	}
	if err := l.applySpec(); err != nil {
		return nil, err
	}
	if !fs.Changed("duration") && (cfg.Offline() || cfg.MaxPuts > 0 || cfg.TotalPutSize > 0 || cfg.Epochs > 0) {
		cfg.Duration = 0 // one job, or the limit, ends the run
	}
	if cfg.Seed == 0 {
		cfg.Seed = time.Now().UnixNano()
	}
	proxy, err := l.ep.url()
	if err != nil {
		return nil, err
	}
	// --proxy a,b,c: the workers spread their object requests over them.
	urls := strings.Split(proxy, ",")
	cfg.Proxy, cfg.Proxies, cfg.Token, cfg.Network = urls[0], urls[1:], l.ep.token, l.ep.network
	cfg.LinkCounters = loadgen.EmbeddedLinkCounters(l.ep.state)
	check := *cfg
	if err := check.Normalize(); err != nil {
		return nil, usageErr(withLoadFlags(err))
	}
	return &loadConfig{Config: *cfg, ais: &l.ais}, nil
}

// applyLists reads --sizes and --pipeline.
func (l *loadFlags) applyLists() error {
	cfg := &l.cfg
	if l.sizes != "" {
		ws, err := loadgen.ParseSizeList(l.sizes)
		if err != nil {
			return usagef("--sizes: %v", err)
		}
		cfg.Sizes = ws
	}
	if l.pipeline == "" {
		return nil
	}
	for _, p := range strings.Split(l.pipeline, ",") {
		if p = strings.TrimSpace(p); p == "" {
			return usagef("--pipeline %q: empty ETL name", l.pipeline)
		}
		cfg.Pipeline = append(cfg.Pipeline, p)
	}
	return nil
}

// applySpec reads --etl-spec: the spec's communication and direct-put
// switch apply unless their flags are given.
func (l *loadFlags) applySpec() error {
	if l.specFile == "" {
		return nil
	}
	cfg := &l.cfg
	b, err := os.ReadFile(l.specFile)
	if err != nil {
		return usagef("--etl-spec: %v", err)
	}
	name, comm, _, dp, err := loadgen.ParseSpecInfo(b)
	if err != nil {
		return usagef("--etl-spec %s: %v", l.specFile, err)
	}
	if cfg.ETLName != "" && cfg.ETLName != name {
		return usagef("--etl %s and --etl-spec %s (name %s) disagree", cfg.ETLName, l.specFile, name)
	}
	cfg.ETLSpec, cfg.ETLName = b, ""
	if !l.fs.Changed("direct-put") {
		cfg.DirectPut = dp
	}
	if !l.fs.Changed("comm") && comm != "" {
		cfg.Comm = comm
	}
	return nil
}

// loadFlagOf names each loadgen setting as the flag of `etlbench load`
// that sets it; settings without a flag keep their own name.
var loadFlagOf = map[string]string{
	"proxy": "--proxy", "bucket": "--bucket", "dst_bucket": "--dst-bucket", "op": "--op",
	"duration": "--duration", "warmup": "--warmup", "stats_interval": "--statsinterval",
	"workers": "--numworkers", "rate": "--rate", "max_lag": "--max-lag", "timeout": "--timeout",
	"drain_timeout": "--drain-timeout", "pct_put": "--pctput", "min_size": "--minsize",
	"max_size": "--maxsize", "sizes": "--sizes", "max_puts": "--maxputs",
	"total_put_size": "--totalputsize", "epochs": "--epochs", "objects": "--objects",
	"etl_name": "--etl", "etl_spec": "--etl-spec", "pipeline": "--pipeline", "comm": "--comm",
	"job_workers": "--job-workers", "template": "--template", "verify": "--verify",
	"display": "--display",
}

// loadFlagName is the flag of setting field (loadFlagOf), else field.
func loadFlagName(field string) string {
	if f, ok := loadFlagOf[field]; ok {
		return f
	}
	return field
}

// withLoadFlags renders a loadgen.FieldError in err with the flags'
// names; other errors are returned as they are.
func withLoadFlags(err error) error {
	var fe *loadgen.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	return &flagError{msg: strings.Replace(err.Error(), fe.Error(), fe.Render(loadFlagName), 1), err: err}
}

// flagError is an error whose message names flags instead of settings.
type flagError struct {
	msg string
	err error
}

func (e *flagError) Error() string { return e.msg }
func (e *flagError) Unwrap() error { return e.err }

var (
	_ pflag.Value = secondsOrDuration{}
	_ pflag.Value = sizeFlag{}
)
