package target

import (
	"io"
	"log"
	"testing"
)

// quietTarget is target t1 in a temporary directory that logs nothing, not
// started: tests call its handlers directly.
func quietTarget(t *testing.T) *Target {
	t.Helper()
	tg, err := New(Config{ID: "t1", Dir: t.TempDir(), Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	return tg
}
