package transformers

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/transformer"
)

// update rewrites the golden files and the committed fuzz seed corpus.
var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// runT runs the named transformer on input with args and returns its output.
func runT(t *testing.T, name, args string, input []byte) ([]byte, error) {
	t.Helper()
	fn, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	err = fn(ctx, transformer.Request{Path: "/bck/obj", Args: args}, bytes.NewReader(input), &out)
	return out.Bytes(), err
}

// mustRun is runT that fails the test on error.
func mustRun(t *testing.T, name, args string, input []byte) []byte {
	t.Helper()
	out, err := runT(t, name, args, input)
	if err != nil {
		t.Fatalf("%s %q: %v", name, args, err)
	}
	return out
}

// wantStatusErr checks that err is a *StatusError of status whose message
// contains every one of want.
func wantStatusErr(t *testing.T, err error, status int, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want status %d with %q", status, want)
	}
	var se *StatusError
	if !errors.As(err, &se) {
		t.Fatalf("error %q (%T) is not a *StatusError", err, err)
	}
	if se.Status != status {
		t.Errorf("status %d (%s), want %d; error %q", se.Status, http.StatusText(se.Status), status, err)
	}
	var hs interface{ HTTPStatus() int }
	if !errors.As(err, &hs) || hs.HTTPStatus() != status {
		t.Errorf("HTTPStatus() not found or wrong for %q", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

// golden compares got with testdata/name through eq, or writes it with -update.
func golden(t *testing.T, name string, got []byte, eq func(want, got []byte) error) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (create it: cd etlcore/transformers && go test -run %s -update)", err, t.Name())
	}
	if err := eq(want, got); err != nil {
		t.Errorf("output differs from %s: %v", path, err)
	}
}
