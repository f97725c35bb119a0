package target

import (
	"sync/atomic"
	"testing"
)

// TestJobTableVerify: a claim holds when the destination stored as many
// direct puts of the name in the job as were claimed; claims consume what
// they verify (a name stored twice and claimed once keeps one), and what
// nothing is left of is forgotten.
func TestJobTableVerify(t *testing.T) {
	var jt jobTable
	jt.recv = map[string]*[2]atomic.Int64{}
	jt.recordDirectPut("j", "b/x", 10)
	jt.recordDirectPut("j", "b/y", 20)
	jt.recordDirectPut("j", "b/y", 21)
	jt.recordDirectPut("other", "b/x", 99)
	rep := jt.verify("j", &VerifyMsg{Names: []string{"b/x", "b/y", "b/z"}})
	if rep.Stored["b/x"] != 1 || rep.Sizes["b/x"] != 10 || rep.Stored["b/y"] != 2 || rep.Sizes["b/y"] != 21 || rep.Stored["b/z"] != 0 {
		t.Fatalf("reply %+v", rep)
	}
	if rep := jt.verify("j", &VerifyMsg{Names: []string{"b/x", "b/y"}}); rep.Stored["b/x"] != 0 || rep.Stored["b/y"] != 1 {
		t.Fatalf("second claims: %+v; want b/x consumed, one b/y left", rep)
	}
	if _, ok := jt.names["j"]; ok {
		t.Fatalf("job j's records kept after every put was claimed: %v", jt.names["j"])
	}
	if n, _ := jt.receivedOf("other"); n != 1 {
		t.Fatalf("job other: %d puts counted", n)
	}
	if rep := jt.verify("other", &VerifyMsg{Names: []string{"b/x"}, Forget: true}); rep.Stored["b/x"] != 1 {
		t.Fatalf("other: %+v", rep)
	}
	if n, _ := jt.receivedOf("other"); n != 0 || jt.names["other"] != nil {
		t.Fatal("a forgotten job's records are kept")
	}
}
