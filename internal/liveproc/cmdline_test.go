package liveproc

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCmdlineOfThisProcess(t *testing.T) {
	cmd, ok := Cmdline(os.Getpid())
	if !ok || !strings.HasPrefix(cmd, os.Args[0]+"\x00") {
		t.Fatalf("Cmdline(self) = %q, %v; want it to start with %q and a NUL", cmd, ok, os.Args[0])
	}
}

// TestCmdlineZombieAndGone: a child that exited but is not reaped does not
// run; once reaped its pid is gone. Bad pids never run.
func TestCmdlineZombieAndGone(t *testing.T) {
	c := exec.Command("sleep", "0")
	if err := c.Start(); err != nil {
		t.Skipf("no sleep: %v", err)
	}
	pid := c.Process.Pid
	// Not waited for, the exited child stays a zombie until c.Wait.
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(st), ") Z ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %d not a zombie after 10 s: %s", pid, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if cmd, ok := Cmdline(pid); ok {
		t.Fatalf("Cmdline(zombie %d) = %q, true; want not running", pid, cmd)
	}
	if err := c.Wait(); err != nil {
		t.Fatal(err)
	}
	if _, ok := Cmdline(pid); ok {
		t.Fatalf("Cmdline(reaped %d) runs", pid)
	}
	for _, pid := range []int{0, -1} {
		if _, ok := Cmdline(pid); ok {
			t.Errorf("Cmdline(%d) runs", pid)
		}
	}
}
