package main

import "github.com/etlbench/etlbench/etlcore/embedded"

func init() {
	register(&command{name: embedded.NetnsExecCommand, summary: "run a program in a network namespace (how --net emulated starts its nodes)", run: embedded.NetnsExecMain})
}
