package testcluster

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNodesDieWithTheTest: a test binary killed by a signal (Ctrl-C, its
// -timeout) runs no cleanup; the nodes it started die with it instead of
// being left running.
func TestNodesDieWithTheTest(t *testing.T) {
	if os.Getenv("TESTCLUSTER_HELPER") == "1" {
		c := Start(t, Options{Targets: 2})
		for _, n := range c.State.Nodes {
			fmt.Printf("pid %d\n", n.PID)
		}
		fmt.Println("ready")
		time.Sleep(time.Minute) // killed before this ends
		return
	}
	if testing.Short() {
		t.Skip("starts a cluster")
	}
	Binary(t) // build once here, not in the helper
	cmd := exec.Command(os.Args[0], "-test.run", "^TestNodesDieWithTheTest$", "-test.v")
	// The helper is killed before its cleanups: its temporary directories
	// go under this test's, which is removed.
	cmd.Env = append(os.Environ(), "TESTCLUSTER_HELPER=1", "ETLBENCH_BIN="+binPath, "TMPDIR="+t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var pids []int
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "pid "); ok {
			pid, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("helper printed %q", line)
			}
			pids = append(pids, pid)
		}
		if line == "ready" {
			break
		}
	}
	defer func() { // whatever happens here, nothing is left running
		for _, pid := range pids {
			if alive(pid) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}()
	if len(pids) != 3 {
		t.Fatalf("helper started %d nodes, want 3 (proxy and 2 targets)", len(pids))
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("node pid %d still runs 10 s after its test binary was killed", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// alive reports whether pid runs (a zombie does not).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err == nil && !containsZombie(string(b))
}
