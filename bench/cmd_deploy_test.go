package main

import (
	"strings"
	"testing"
)

// A zero or out-of-range count on the command line is refused naming the
// flag before anything is asked of a cluster (Options would take 0 for the
// default).
func TestDeployRefusesBadCounts(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--proxies", "0"}, "--proxies 0: want 1..16"},
		{[]string{"--proxies", "17"}, "--proxies 17: want 1..16"},
		{[]string{"--targets", "0"}, "--targets 0: want at least 1"},
	} {
		err := runDeploy(append(c.args, "--kubeconfig", "/nonexistent/kubeconfig"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("deploy %v: %v, want %q", c.args, err, c.want)
		}
	}
}
