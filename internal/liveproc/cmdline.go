// Package liveproc tells whether a recorded pid is still a running
// process and what its command line is, so that a cluster's down and
// status never act on a process they did not start (a recycled pid).
package liveproc

import (
	"bytes"
	"os"
	"strconv"
)

// Cmdline returns the command line of process pid, its arguments each
// followed by a NUL byte as /proc has it, and whether the process runs:
// it exists and is not a zombie (exited, not yet reaped).
func Cmdline(pid int) (string, bool) {
	if pid <= 0 {
		return "", false
	}
	dir := "/proc/" + strconv.Itoa(pid) + "/"
	cmd, err := os.ReadFile(dir + "cmdline")
	if err != nil {
		return "", false
	}
	// stat is "pid (comm) state ...": the state follows the last ')'.
	if st, err := os.ReadFile(dir + "stat"); err == nil {
		if i := bytes.LastIndexByte(st, ')'); i > 0 && i+2 < len(st) && st[i+2] == 'Z' {
			return "", false
		}
	}
	return string(cmd), true
}
