package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// EnvNodeCPUProfile, when set to a directory in a node's environment,
// makes the node write a CPU profile of its whole life there as
// <id>.pprof (read with `go tool pprof`), for finding where a node spends
// its CPU; the directory outlives the cluster's.
const EnvNodeCPUProfile = "ETLBENCH_NODE_CPUPROFILE"

// startNodeProfile starts the node's CPU profile when asked; the returned
// function stops and writes it (nil when not profiling).
func startNodeProfile(id string) (func(), error) {
	dir := os.Getenv(EnvNodeCPUProfile)
	if dir == "" {
		return nil, nil
	}
	if id == "" {
		id = "node"
	}
	path := filepath.Join(dir, id+".pprof")
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvNodeCPUProfile, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", EnvNodeCPUProfile, err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
