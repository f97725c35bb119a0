package doccheck

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/internal/testcluster"
)

func TestBlocks(t *testing.T) {
	doc := "text\n" + Marker + "\n```sh\necho a\necho b\n```\n```sh\nnot marked\n```\n" + Marker + "\n\n```sh\nblank line between: not marked\n```\n"
	got, err := Blocks(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Line != 3 || got[0].Script != "echo a\necho b\n" {
		t.Fatalf("blocks = %+v", got)
	}
	if _, err := Blocks(strings.NewReader(Marker + "\n```sh\necho a\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("unterminated block: err = %v", err)
	}
}

// TestRunnableExamples runs every block marked runnable in README.md and
// docs/*.md as written, in a scratch directory where bin/etlbench is the
// binary under test, also as `etlbench` on PATH (lines that start with `make ` are what `make test`
// has already done, so they are skipped). Whatever a block starts, its
// cluster is brought down afterwards.
func TestRunnableExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("starts clusters")
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	docs, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	docs = append([]string{filepath.Join(root, "README.md")}, docs...)
	bin := testcluster.Binary(t)
	ran := 0
	for _, doc := range docs {
		f, err := os.Open(doc)
		if err != nil {
			t.Fatal(err)
		}
		blocks, err := Blocks(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		rel, _ := filepath.Rel(root, doc)
		for _, b := range blocks {
			ran++
			t.Run(rel+":"+strconv.Itoa(b.Line), func(t *testing.T) { runBlock(t, root, bin, b.Script) })
		}
	}
	if ran == 0 {
		t.Fatal("no runnable block in README.md or docs/")
	}
}

func runBlock(t *testing.T, root, bin, script string) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin, filepath.Join(dir, "bin", "etlbench")); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"scenarios"} {
		if err := os.Symlink(filepath.Join(root, d), filepath.Join(dir, d)); err != nil {
			t.Fatal(err)
		}
	}
	var lines []string
	for _, l := range strings.Split(script, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "make ") {
			lines = append(lines, l)
		}
	}
	down := func() {
		exec.Command(bin, "cluster", "down", "--dir", filepath.Join(dir, ".etlbench", "cluster")).Run()
	}
	t.Cleanup(down)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", strings.Join(lines, "\n"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AIS_ENDPOINT=", "PATH="+filepath.Join(dir, "bin")+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("block failed: %v\n%s", err, out)
	}
	t.Logf("output:\n%s", out)
}
