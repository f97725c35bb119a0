package aisnode

import (
	"os"
	"path/filepath"
)

// EnvBinary names an aisnode binary to use instead of the default.
const EnvBinary = "ETLBENCH_AISNODE"

// DefaultBinary is $ETLBENCH_AISNODE, else ../shared/aistore/bin/aisnode
// relative to the repository root (the directory with go.mod, searched
// upwards from the working directory), when it exists; else "".
func DefaultBinary() string {
	if p := os.Getenv(EnvBinary); p != "" {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "aistore", "bin", "aisnode")
			if _, err := os.Stat(p); err == nil {
				return filepath.Clean(p)
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
