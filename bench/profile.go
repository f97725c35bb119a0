package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

// envProfileDir names a directory where the long-running commands (node,
// transformer) write pprof profiles of their whole run: <name>-<pid>.cpu.pprof
// (started at once) and, at a clean exit, <name>-<pid>.allocs.pprof and
// <name>-<pid>.heap.pprof. The variable is inherited, so setting it for
// `cluster up` profiles every node and every transformer the targets start
// (deploy/profile.sh, `make profile`). A node that also has
// ETLBENCH_NODE_CPUPROFILE writes its CPU profile there only, and its
// allocation profiles here.
const envProfileDir = "ETLBENCH_PROFILE_DIR"

// startProfile starts the CPU profile of a command named name when
// $ETLBENCH_PROFILE_DIR is set and returns the function that stops it and
// writes the allocation and heap profiles (a no-op otherwise). Failing to
// profile is reported on stderr and never stops the command.
func startProfile(name string) (stop func()) {
	dir := os.Getenv(envProfileDir)
	if dir == "" {
		return func() {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "etlbench %s: profile dir: %v\n", name, err)
		return func() {}
	}
	base := filepath.Join(dir, fmt.Sprintf("%s-%d", name, os.Getpid()))
	cpu, err := startCPUProfile(base + ".cpu.pprof")
	if err != nil {
		fmt.Fprintf(os.Stderr, "etlbench %s: cpu profile: %v\n", name, err)
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			cpu.Close()
		}
		runtime.GC() // the heap profile shows live objects as of the last GC
		for _, p := range []string{"allocs", "heap"} {
			if err := writeProfile(p, base+"."+p+".pprof"); err != nil {
				fmt.Fprintf(os.Stderr, "etlbench %s: %s profile: %v\n", name, p, err)
			}
		}
	}
}

// startCPUProfile starts the process's CPU profile into path (an error when
// one already runs).
func startCPUProfile(path string) (*os.File, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	return f, nil
}

func writeProfile(name, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
