package main

import (
	"strings"
	"testing"
)

func TestRunSubcommand(t *testing.T) {
	var got []string
	sub := func(name string) subcommand {
		return subcommand{name, func(args []string) error { got = append([]string{name}, args...); return nil }}
	}
	subs := []subcommand{sub("up"), sub("down"), sub("status")}
	if err := runSubcommand([]string{"down", "--force"}, "usage\n", subs...); err != nil || strings.Join(got, " ") != "down --force" {
		t.Fatalf("down --force ran %v, %v", got, err)
	}
	err := runSubcommand([]string{"sideways"}, "usage\n", subs...)
	if err == nil || !strings.Contains(err.Error(), `unknown subcommand "sideways": want up, down or status`) {
		t.Fatalf("unknown subcommand: %v", err)
	}
	if err := runSubcommand([]string{"x"}, "usage\n", sub("up")); err == nil || !strings.Contains(err.Error(), "want up") {
		t.Fatalf("unknown subcommand of one: %v", err)
	}
	if err := runSubcommand(nil, "usage\n", subs...); err == nil || !strings.Contains(err.Error(), "missing operation") {
		t.Fatalf("no subcommand: %v", err)
	}
}
