// Command etlbench benchmarks and stress-tests near-data ETL: it runs the
// etlcore cluster (embedded or on Kubernetes), drives load against it and
// turns the results into reports, comparisons and CI gates.
//
// Each subcommand lives in its own cmd_*.go file and registers itself in
// init; this file only dispatches.
package main

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	// run gets the arguments after the subcommand name.
	run func(args []string) error
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("etlbench: duplicate command " + c.name)
	}
	commands[c.name] = c
}

// usageError is an error in the command line: exit status 2.
type usageError struct {
	msg   string
	cause error // the error the message renders, when there is one
}

func (e *usageError) Error() string { return e.msg }
func (e *usageError) Unwrap() error { return e.cause }

// usageErr is err as a usage error.
func usageErr(err error) error { return &usageError{msg: err.Error(), cause: err} }

func usagef(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

func usage() {
	fmt.Fprintf(os.Stderr, "etlbench: benchmark and stress-test near-data ETL\n\nUsage: etlbench <command> [flags]\n\nCommands:\n")
	names := slices.Sorted(maps.Keys(commands))
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(os.Stderr, "\nRun 'etlbench <command> --help' for a command's flags.\n")
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage()
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "etlbench: unknown command %q\n\n", args[0])
		usage()
		return 2
	}
	err := c.run(args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, pflag.ErrHelp):
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(os.Stderr, "etlbench %s: %v\n", c.name, err)
		return 2
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintf(os.Stderr, "etlbench %s: %s\n", c.name, ee.msg)
		}
		return ee.code
	}
	fmt.Fprintf(os.Stderr, "etlbench %s: %v\n", c.name, strings.TrimSpace(err.Error()))
	return 1
}

// exitError ends the command with a given exit status (e.g. gate: 1 on regression).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// newFlags returns a GNU-style flag set for subcommand name; parse errors
// are returned (not printed and exited) so that run maps them to status 2.
func newFlags(name, usageLine string) *pflag.FlagSet {
	fs := pflag.NewFlagSet("etlbench "+name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: etlbench %s %s\n\nFlags:\n%s", name, usageLine, fs.FlagUsages())
	}
	return fs
}

// parseFlags parses args into fs, turning errors into usage errors.
func parseFlags(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	return nil
}

// opUsage handles the help of a command made of operations ("etl init",
// "job ls", ...): with no arguments or --help it prints usage; done then
// says the command is over, with err set when the operation was missing.
func opUsage(args []string, usage string) (done bool, err error) {
	if len(args) > 0 && args[0] != "-h" && args[0] != "--help" && args[0] != "help" {
		return false, nil
	}
	fmt.Fprint(os.Stderr, usage)
	if len(args) == 0 {
		return true, usagef("missing operation")
	}
	return true, nil
}
