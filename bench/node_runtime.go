package main

import (
	"fmt"

	"github.com/etlbench/etlbench/etlcore/runtime"
)

// newRuntime returns the transformer runtime a target uses.
func newRuntime(name string) (runtime.Runtime, error) {
	switch name {
	case "process":
		return nil, nil // wired when the process runtime lands
	default:
		return nil, fmt.Errorf("unknown --runtime %q: want process or kubernetes", name)
	}
}
