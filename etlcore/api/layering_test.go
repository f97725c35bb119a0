package api

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/etlbench/etlbench/"

// deps lists the packages pkg depends on (itself included), by import path.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list dependencies: %v", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}}", module+pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	return strings.Fields(string(out))
}

// TestLayering: the proxy and the target share only the contract (this
// package), never each other; the contract depends on no other package of
// the module.
func TestLayering(t *testing.T) {
	rules := []struct{ pkg, forbidden string }{
		{"etlcore/proxy", "etlcore/target"},
		{"etlcore/target", "etlcore/proxy"},
	}
	for _, r := range rules {
		for _, d := range deps(t, r.pkg) {
			if d == module+r.forbidden {
				t.Errorf("%s depends on %s: they may share only %s", r.pkg, r.forbidden, module+"etlcore/api")
			}
		}
	}
	for _, d := range deps(t, "etlcore/api") {
		if strings.HasPrefix(d, module) && d != module+"etlcore/api" {
			t.Errorf("etlcore/api (the wire contract) depends on %s", d)
		}
	}
}
