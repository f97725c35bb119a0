package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/etlbench/etlbench/reports"
)

func init() {
	register(&command{
		name:    "report",
		summary: "summarize results: terminal table, report.md with plots, results.txt for benchstat",
		run:     runReport,
	})
}

func runReport(args []string) error {
	fs := newFlags("report", "DIR [-o OUTDIR] [flags]")
	out := fs.StringP("out", "o", "", "directory to write the report into (default: DIR itself)")
	title := fs.String("title", "", "heading of report.md (default \"etlbench report\")")
	noPlots := fs.Bool("no-plots", false, "skip the plots (faster)")
	seed := fs.Int64("seed", 1, "seed of the bootstrap resampling (equal inputs and seed give equal reports)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want one results directory, got %d arguments (see --help)", fs.NArg())
	}
	dir := fs.Arg(0)
	results, err := reports.LoadDir(dir)
	if err != nil {
		return &exitError{code: 2, msg: err.Error()}
	}
	if *out == "" {
		*out = dir
		if st, err := os.Stat(dir); err == nil && !st.IsDir() {
			*out = filepath.Dir(dir)
		}
	}
	if err := reports.PrintTable(os.Stdout, results); err != nil {
		return err
	}
	rep, err := reports.Write(results, *out, reports.Options{Title: *title, NoPlots: *noPlots, Seed: *seed})
	if err != nil {
		return err
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(os.Stderr, "note: %s\n", n)
	}
	fmt.Printf("report: %s (%d files)\n", filepath.Join(*out, reports.ReportFile), len(rep.Files))
	return nil
}
