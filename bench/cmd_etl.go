package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
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

func runETL(args []string) error {
	if done, err := opUsage(args, etlUsage); done {
		return err
	}
	op := args[0]
	fs := newFlags("etl "+op, "[NAME] [flags]")
	var ep endpointFlags
	ep.add(fs)
	file := fs.StringP("file", "f", "", "spec file (init)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	cl, err := ep.client()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	name := fs.Arg(0)
	needName := func() error {
		if name == "" {
			return usagef("%s needs an ETL name", op)
		}
		return nil
	}
	switch op {
	case "init":
		if *file == "" {
			return usagef("init needs -f SPEC")
		}
		b, err := os.ReadFile(*file)
		if err != nil {
			return fmt.Errorf("read spec: %w", err)
		}
		id, err := cl.ETLInit(ctx, b)
		if err != nil {
			return err
		}
		fmt.Println(id)
	case "ls":
		list, err := cl.ETLList(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSTAGE\tJOB ID\tOBJECTS\tBYTES IN\tBYTES OUT\tERRORS\tREASON")
		for _, e := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", e.Name, e.Stage, e.XactID, e.ObjCount, e.InBytes, e.OutBytes, e.Errors, e.Reason)
		}
		return tw.Flush()
	case "show":
		if err := needName(); err != nil {
			return err
		}
		d, err := cl.ETLShow(ctx, name)
		if err != nil {
			return err
		}
		return printJSON(d)
	case "logs", "health", "metrics":
		if err := needName(); err != nil {
			return err
		}
		what := op
		if op == "logs" && fs.Arg(1) != "" {
			what += "/" + fs.Arg(1)
		}
		b, err := cl.ETLGetRaw(ctx, name, what)
		if err != nil {
			return err
		}
		if op == "logs" {
			return printETLLogs(b)
		}
		_, err = os.Stdout.Write(b)
		return err
	case "stop":
		if err := needName(); err != nil {
			return err
		}
		return cl.ETLStop(ctx, name)
	case "start":
		if err := needName(); err != nil {
			return err
		}
		return cl.ETLStart(ctx, name)
	case "rm":
		if err := needName(); err != nil {
			return err
		}
		return cl.ETLDelete(ctx, name)
	default:
		return usagef("unknown operation %q\n%s", op, etlUsage)
	}
	return nil
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
