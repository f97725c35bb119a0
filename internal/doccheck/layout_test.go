package doccheck

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// TestLayoutNamesEveryPackage: the package map in docs/architecture.md
// (its Layout block) names every package under etlcore/ and internal/.
func TestLayoutNamesEveryPackage(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	doc, err := os.ReadFile(filepath.Join(root, "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "## Layout\n")
	if !ok {
		t.Fatal("docs/architecture.md has no ## Layout section")
	}
	parts := strings.SplitN(rest, "```", 3)
	if len(parts) < 3 {
		t.Fatal("docs/architecture.md: no code block under ## Layout")
	}
	layout := parts[1]
	for _, dir := range []string{"etlcore", "internal"} {
		ents, err := os.ReadDir(filepath.Join(root, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if !e.IsDir() {
				continue
			}
			if gos, _ := filepath.Glob(filepath.Join(root, dir, e.Name(), "*.go")); len(gos) == 0 {
				continue
			}
			if !regexp.MustCompile(`\b` + regexp.QuoteMeta(e.Name()) + `\b`).MatchString(layout) {
				t.Errorf("docs/architecture.md's Layout does not name %s/%s", dir, e.Name())
			}
		}
	}
}
