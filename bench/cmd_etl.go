package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"github.com/etlbench/etlbench/etlcore/api"
)

func init() {
	register(&command{name: "etl", summary: "manage ETLs: init, ls, show, logs, health, metrics, stop, start, rm", run: runETL})
}

const etlUsage = `Usage: etlbench etl <op> [NAME] [flags]

  init -f SPEC     start the ETL(s) of a spec file (JSON or YAML; several YAML docs with ---)
  ls               list ETLs with stage and summed counters
  show NAME        spec, stage, reason, per-target counters and recorded errors (JSON)
  logs NAME [TGT]  transformer logs of every target (or one)
  health NAME      per-target health
  metrics NAME     per-target CPU and memory of the transformers
  stop NAME        stop (-> Aborted)
  start NAME       restart an Aborted ETL
  rm NAME          stop and delete
`

// etlArgs are what an `etlbench etl` operation is given.
type etlArgs struct {
	cl   *api.Client
	name string // the ETL (checked when the operation needs one)
	arg  string // the second argument (logs: the target)
	file string // -f
}

// etlOp is one operation of `etlbench etl`.
type etlOp struct {
	needName bool
	run      func(ctx context.Context, a etlArgs) error
}

// etlOps are the operations of `etlbench etl` by name.
var etlOps = map[string]etlOp{
	"init":    {run: etlInit},
	"ls":      {run: etlList},
	"show":    {needName: true, run: etlShow},
	"logs":    {needName: true, run: etlRaw("logs")},
	"health":  {needName: true, run: etlRaw("health")},
	"metrics": {needName: true, run: etlRaw("metrics")},
	"stop":    {needName: true, run: func(ctx context.Context, a etlArgs) error { return a.cl.ETLStop(ctx, a.name) }},
	"start":   {needName: true, run: func(ctx context.Context, a etlArgs) error { return a.cl.ETLStart(ctx, a.name) }},
	"rm":      {needName: true, run: func(ctx context.Context, a etlArgs) error { return a.cl.ETLDelete(ctx, a.name) }},
}

func runETL(args []string) error {
	if done, err := opUsage(args, etlUsage); done {
		return err
	}
	opName := args[0]
	op, ok := etlOps[opName]
	if !ok {
		return usagef("unknown operation %q\n%s", opName, etlUsage)
	}
	fs := newFlags("etl "+opName, "[NAME] [flags]")
	var ep endpointFlags
	ep.add(fs)
	file := fs.StringP("file", "f", "", "spec file (init)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	a := etlArgs{name: fs.Arg(0), arg: fs.Arg(1), file: *file}
	if op.needName && a.name == "" {
		return usagef("%s needs an ETL name", opName)
	}
	cl, err := ep.client()
	if err != nil {
		return err
	}
	a.cl = cl
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return op.run(ctx, a)
}

// etlInit starts the ETL(s) of the spec file and prints the job id.
func etlInit(ctx context.Context, a etlArgs) error {
	if a.file == "" {
		return usagef("init needs -f SPEC")
	}
	b, err := os.ReadFile(a.file)
	if err != nil {
		return fmt.Errorf("read spec: %w", err)
	}
	id, err := a.cl.ETLInit(ctx, b)
	if err != nil {
		return err
	}
	fmt.Println(id)
	return nil
}

// etlList prints a table of the ETLs.
func etlList(ctx context.Context, a etlArgs) error {
	list, err := a.cl.ETLList(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTAGE\tJOB ID\tOBJECTS\tBYTES IN\tBYTES OUT\tERRORS\tREASON")
	for _, e := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", e.Name, e.Stage, e.XactID, e.ObjCount, e.InBytes, e.OutBytes, e.Errors, e.Reason)
	}
	return tw.Flush()
}

// etlShow prints an ETL's details as JSON.
func etlShow(ctx context.Context, a etlArgs) error {
	d, err := a.cl.ETLShow(ctx, a.name)
	if err != nil {
		return err
	}
	return printJSON(d)
}

// etlRaw prints what the ETL's per-target endpoint what answers (logs:
// of every target, or of the one named by the second argument).
func etlRaw(what string) func(ctx context.Context, a etlArgs) error {
	return func(ctx context.Context, a etlArgs) error {
		path := what
		if what == "logs" && a.arg != "" {
			path += "/" + a.arg
		}
		b, err := a.cl.ETLGetRaw(ctx, a.name, path)
		if err != nil {
			return err
		}
		if what == "logs" {
			return printETLLogs(b)
		}
		_, err = os.Stdout.Write(b)
		return err
	}
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
