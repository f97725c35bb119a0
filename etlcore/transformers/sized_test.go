package transformers

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/etlbench/etlbench/etlcore/transformer"
)

// TestSizedForms: echo and md5 have fast forms that give what their
// streaming forms write, with the length; echo hands back its input itself
// (a local file stays a file, for sendfile); the others have none.
func TestSizedForms(t *testing.T) {
	in := make([]byte, 2<<20+9)
	rand.NewChaCha8([32]byte{3}).Read(in)
	fqn := filepath.Join(t.TempDir(), "obj")
	if err := os.WriteFile(fqn, in, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"echo", "md5"} {
		sized := LookupSized(name)
		if sized == nil {
			t.Fatalf("%s has no sized form", name)
		}
		f, err := os.Open(fqn)
		if err != nil {
			t.Fatal(err)
		}
		out, n, err := WithDefaultArgsSized(sized, "dflt")(context.Background(), transformer.Request{Path: "b/o"}, f, int64(len(in)))
		if err != nil || out == nil {
			t.Fatalf("%s: %v, %v", name, out, err)
		}
		if _, isFile := out.(*os.File); name == "echo" && !isFile {
			t.Errorf("echo of a file answered with a %T, not the file", out)
		}
		got, err := io.ReadAll(out)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if want := mustRun(t, name, "", in); !bytes.Equal(got, want) || n != int64(len(want)) {
			t.Errorf("%s sized: %d bytes (length %d), streaming %d bytes, identical %v", name, len(got), n, len(want), bytes.Equal(got, want))
		}
	}
	for _, name := range []string{"compress", "hash-with-args", "fault", "audio", "image-resize"} {
		if LookupSized(name) != nil {
			t.Errorf("%s has a sized form, want none", name)
		}
	}
}
