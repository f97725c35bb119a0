package e2e

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/internal/testcluster"
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat (100 on every
// Linux architecture Go supports).
const userHZ = 100

// procTimes returns the parent pid and the CPU time (user + system) of
// process pid from /proc/<pid>/stat.
func procTimes(pid int) (ppid int, cpu time.Duration, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	i := bytes.LastIndexByte(b, ')') // the command name may hold spaces and ')'
	if i < 0 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: no command field", pid)
	}
	f := strings.Fields(string(b[i+1:])) // f[n-3] is field n
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	ppid, err = strconv.Atoi(f[1])
	if err != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: ppid: %w", pid, err)
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: utime/stime: %v %v", pid, err1, err2)
	}
	return ppid, time.Duration(ut+st) * time.Second / userHZ, nil
}

// cpuSample is the CPU time used so far by a cluster's targets and by
// their children (the transformers of the process runtime).
type cpuSample struct {
	target, transformer time.Duration
}

func (a cpuSample) sub(b cpuSample) cpuSample {
	return cpuSample{target: a.target - b.target, transformer: a.transformer - b.transformer}
}

// clusterCPU samples the CPU time of c's targets and of every process
// whose parent is one of them.
func clusterCPU(b *testing.B, c *testcluster.Cluster) cpuSample {
	b.Helper()
	targets := map[int]bool{}
	var s cpuSample
	for _, n := range c.State.Nodes {
		if n.Role != "target" {
			continue
		}
		_, cpu, err := procTimes(n.PID)
		if err != nil {
			b.Fatalf("cpu of target %s: %v", n.ID, err)
		}
		targets[n.PID] = true
		s.target += cpu
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		b.Fatalf("read /proc: %v", err)
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, cpu, err := procTimes(pid)
		if err == nil && targets[ppid] {
			s.transformer += cpu
		}
	}
	return s
}

// usPerMiB is CPU microseconds per MiB moved.
func usPerMiB(cpu time.Duration, bytes int64) float64 {
	if bytes <= 0 {
		return 0
	}
	return float64(cpu.Microseconds()) / (float64(bytes) / mib)
}
