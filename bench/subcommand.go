package main

import "strings"

// subcommand is one subcommand of a command (cluster up, aisnode down).
type subcommand struct {
	name string
	run  func(args []string) error
}

// runSubcommand runs the subcommand args[0] names with the rest of args,
// or prints usage; an unknown name is a usage error listing subs.
func runSubcommand(args []string, usage string, subs ...subcommand) error {
	if done, err := opUsage(args, usage); done {
		return err
	}
	names := make([]string, len(subs))
	for i, sc := range subs {
		if sc.name == args[0] {
			return sc.run(args[1:])
		}
		names[i] = sc.name
	}
	want := names[len(names)-1]
	if len(names) > 1 {
		want = strings.Join(names[:len(names)-1], ", ") + " or " + want
	}
	return usagef("unknown subcommand %q: want %s", args[0], want)
}
