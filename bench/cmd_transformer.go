package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/etlbench/etlbench/etlcore/transformer"
	"github.com/etlbench/etlbench/etlcore/transformers"
)

func init() {
	register(&command{name: "transformer", summary: "serve a built-in transformer over the ETL contract (what image etlbench/transformer-NAME runs)", run: runTransformer})
}

// envDefaultArgs gives the transformer's default etl_args (e.g. from a spec's env).
const envDefaultArgs = "ETLBENCH_DEFAULT_ARGS"

func runTransformer(args []string) error {
	fs := newFlags("transformer", "NAME [flags]")
	host := fs.String("host", "", "address to listen on (default: $HOST, else the SDK's default)")
	port := fs.Int("port", 0, "port to listen on (default: $PORT, else the SDK's default)")
	defArgs := fs.String("default-args", os.Getenv(envDefaultArgs), "etl_args for requests that carry none (default: $"+envDefaultArgs+")")
	startDelay := fs.Duration("start-delay", 0, "wait this long before serving (a transformer slow to start, for fault tests)")
	flagUsage := fs.Usage
	fs.Usage = func() {
		flagUsage()
		fmt.Fprintf(os.Stderr, "\nTransformers (args are etl_args):\n")
		for _, n := range transformers.Names() {
			fmt.Fprintf(os.Stderr, "  %-15s %s\n", n, transformers.Describe(n))
		}
		fmt.Fprintf(os.Stderr, "\nThe environment of the ETL contract configures the server: HOST, PORT, AIS_TARGET_URL, DIRECT_PUT.\n")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want one transformer NAME, got %d arguments (known: %s)", fs.NArg(), strings.Join(transformers.Names(), ", "))
	}
	fn, err := transformers.Lookup(fs.Arg(0))
	if err != nil {
		return usagef("%v", err)
	}
	if *port < 0 || *port > 65535 {
		return usagef("--port %d is out of range 0..65535", *port)
	}
	cfg, err := transformer.ConfigFromEnv()
	if err != nil {
		return fmt.Errorf("transformer %s: %w", fs.Arg(0), err)
	}
	if fs.Changed("host") {
		cfg.Host = *host
	}
	if fs.Changed("port") {
		cfg.Port = strconv.Itoa(*port)
	}
	if *startDelay < 0 {
		return usagef("--start-delay %v is negative", *startDelay)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	select {
	case <-time.After(*startDelay):
	case <-ctx.Done():
		return nil
	}
	defer startProfile("transformer-" + fs.Arg(0))()
	srv := transformer.NewServer(cfg, transformers.WithDefaultArgs(fn, *defArgs))
	if sized := transformers.LookupSized(fs.Arg(0)); sized != nil {
		srv.WithSized(transformers.WithDefaultArgsSized(sized, *defArgs))
	}
	if err := srv.ListenAndServe(ctx); err != nil {
		return fmt.Errorf("transformer %s: %w", fs.Arg(0), err)
	}
	return nil
}
