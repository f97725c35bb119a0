package runner

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/etlbench/etlbench/reports/result"
)

// clockTicks is Linux's USER_HZ, the unit of /proc/<pid>/stat's times.
const clockTicks = 100

// cpuMeter measures the CPU the cluster's server processes spend while a
// cell's load runs (loadgen's Window: the measured window, warm-up
// excluded, to the end of the last request, before its cleanup).
type cpuMeter struct {
	pids []int

	mu         sync.Mutex
	start, end map[int]float64
	t0, t1     time.Time
}

func newCPUMeter(pids []int) *cpuMeter { return &cpuMeter{pids: pids} }

// window is loadgen.Config.Window.
func (m *cpuMeter) window(start bool) {
	if len(m.pids) == 0 {
		return
	}
	now, cpu := time.Now(), readCPU(m.pids)
	m.mu.Lock()
	defer m.mu.Unlock()
	if start {
		if m.end == nil { // a window that ended before its start is no window
			m.start, m.t0 = cpu, now
		}
	} else {
		m.end, m.t1 = cpu, now
	}
}

// result is the CPU of the window for res, or nil when nothing was
// measured. Only processes seen at both ends count (a node that died in
// between is left out).
func (m *cpuMeter) result(res *result.Result) *result.ServerCPU {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.start == nil || m.end == nil {
		return nil
	}
	sc := &result.ServerCPU{Source: "proc", WindowSec: m.t1.Sub(m.t0).Seconds()}
	for pid, a := range m.start {
		if b, ok := m.end[pid]; ok && b >= a {
			sc.Seconds += b - a
			sc.Processes++
		}
	}
	for _, iv := range res.Intervals {
		if iv.Warmup {
			continue
		}
		for _, op := range iv.Ops {
			sc.Ops += op.Ops + op.Errors
		}
	}
	if sc.Processes == 0 {
		return nil
	}
	return sc
}

// readCPU returns user + system CPU seconds of every readable pid.
func readCPU(pids []int) map[int]float64 {
	out := make(map[int]float64, len(pids))
	for _, pid := range pids {
		if s, err := procCPU(pid); err == nil {
			out[pid] = s
		}
	}
	return out
}

// procCPU reads utime + stime of pid from /proc/<pid>/stat.
func procCPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command field", pid)
	}
	f := strings.Fields(s[i+1:])
	// After the command: state(3) ... utime(14) stime(15), i.e. f[11], f[12].
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	u, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime/stime %q %q", pid, f[11], f[12])
	}
	return (u + st) / clockTicks, nil
}
