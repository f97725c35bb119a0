package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

func init() {
	register(&command{name: "job", summary: "offline ETL jobs: ls, show ID, wait ID, abort ID", run: runJob})
}

const jobUsage = `Usage: etlbench job <op> [ID] [flags]

  ls          list jobs with state and summed counters
  show ID     a job's status, per target and summed, with recorded errors (JSON)
  wait ID     wait until the job ends; exit 1 if it failed or was aborted
  abort ID    abort the job on every target
`

func runJob(args []string) error {
	if done, err := opUsage(args, jobUsage); done {
		return err
	}
	op := args[0]
	fs := newFlags("job "+op, "[ID] [flags]")
	var ep endpointFlags
	ep.add(fs)
	timeout := fs.Duration("timeout", 0, "wait: give up after this long (0: no limit)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	cl, err := ep.client()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	id := fs.Arg(0)
	if op != "ls" && id == "" {
		return usagef("%s needs a job id", op)
	}
	switch op {
	case "ls":
		jobs, err := cl.Jobs(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKIND\tETL\tSRC -> DST\tSTATE\tOBJS IN\tOBJS OUT\tERRORS\tSTART")
		for _, j := range jobs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s -> %s\t%s\t%d\t%d\t%d\t%s\n", j.ID, j.Kind, j.ETLName, j.SrcBck, j.DstBck, j.State, j.ObjsIn, j.ObjsOut, j.Errors, j.StartTime)
		}
		return tw.Flush()
	case "show":
		s, err := cl.Job(ctx, id)
		if err != nil {
			return err
		}
		return printJSON(s)
	case "wait":
		if *timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, *timeout)
			defer cancel()
		}
		s, err := cl.WaitJob(ctx, id, 200*time.Millisecond)
		if err != nil {
			return err
		}
		fmt.Printf("job %s %s: %d objects in, %d out, %d errors\n", s.ID, s.State, s.ObjsIn, s.ObjsOut, s.Errors)
		if s.State != api.JobFinished {
			return &exitError{code: 1, msg: fmt.Sprintf("job %s %s: %s", s.ID, s.State, s.Err)}
		}
	case "abort":
		return cl.AbortJob(ctx, id)
	default:
		return usagef("unknown operation %q\n%s", op, jobUsage)
	}
	return nil
}
