package main

import (
	"fmt"
	"os"

	"github.com/etlbench/etlbench/etlcore/runtime"
)

// newRuntime returns the transformer runtime a target uses; port and hosts
// (process runtime) fix where transformers listen, see runtime.ProcessConfig.
func newRuntime(name string, port int, hosts []string) (runtime.Runtime, error) {
	switch name {
	case "process":
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find the etlbench binary: %w", err)
		}
		return runtime.NewProcess(runtime.ProcessConfig{SelfBinary: self, Port: port, Hosts: hosts}), nil
	case "kubernetes":
		// Namespace, node, pod name and image come from the environment
		// that 'etlbench deploy' sets (downward API).
		return runtime.NewKubernetes(runtime.KubeConfig{})
	default:
		return nil, fmt.Errorf("unknown --runtime %q: want process or kubernetes", name)
	}
}
