package runtime

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat.
// It is 100 on every Linux architecture Go supports.
const clockTicks = 100

// procStat is what we read from /proc/<pid>/stat.
type procStat struct {
	pgrp         int
	utime, stime uint64 // clock ticks
	cutime       uint64 // clock ticks of waited-for children
	cstime       uint64
}

// readStatFile parses /proc/<pid>/stat. The command name (field 2) is in
// parentheses and may hold spaces or parentheses itself, so the fields are
// counted from the last ')'.
func readStatFile(pid int) (procStat, error) {
	var st procStat
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st, fmt.Errorf("procstat: %w", err)
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return st, fmt.Errorf("procstat: /proc/%d/stat: no command field", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state): field n is f[n-3].
	if len(f) < 22 {
		return st, fmt.Errorf("procstat: /proc/%d/stat: %d fields, want at least 24", pid, len(f)+2)
	}
	num := func(n int) uint64 {
		if err != nil {
			return 0
		}
		var v uint64
		v, err = strconv.ParseUint(f[n-3], 10, 64)
		return v
	}
	st.pgrp = int(num(5))
	st.utime, st.stime = num(14), num(15)
	st.cutime, st.cstime = num(16), num(17)
	if err != nil {
		return st, fmt.Errorf("procstat: /proc/%d/stat: %w", pid, err)
	}
	return st, nil
}

// readStatusMem returns VmRSS and VmHWM (bytes) from /proc/<pid>/status;
// both are 0 for a zombie or a kernel thread, which have no memory lines.
func readStatusMem(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("procstat: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		var dst *int64
		switch {
		case strings.HasPrefix(line, "VmRSS:"):
			dst = &rss
		case strings.HasPrefix(line, "VmHWM:"):
			dst = &hwm
		default:
			continue
		}
		kb, perr := parseKB(line)
		if perr != nil {
			return 0, 0, fmt.Errorf("procstat: /proc/%d/status: %w", pid, perr)
		}
		*dst = kb * 1024
	}
	if err := sc.Err(); err != nil {
		return 0, 0, fmt.Errorf("procstat: read /proc/%d/status: %w", pid, err)
	}
	return rss, hwm, nil
}

// parseKB parses a status line like "VmRSS:	  1234 kB".
func parseKB(line string) (int64, error) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return 0, fmt.Errorf("malformed line %q", line)
	}
	v, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("malformed line %q: %w", line, err)
	}
	return v, nil
}

// ReadProcStat returns the resource use of one process from /proc: CPU
// seconds (user+system, of the process itself), resident memory now and its
// peak (VmHWM). Use it to measure any local process, e.g. a target.
func ReadProcStat(pid int) (Metrics, error) {
	if pid <= 0 {
		return Metrics{}, fmt.Errorf("procstat: invalid pid %d", pid)
	}
	st, err := readStatFile(pid)
	if err != nil {
		return Metrics{}, err
	}
	rss, hwm, err := readStatusMem(pid)
	if err != nil {
		return Metrics{}, err
	}
	return Metrics{
		CPUSeconds: float64(st.utime+st.stime) / clockTicks,
		RSSBytes:   rss,
		PeakRSS:    hwm,
	}, nil
}

// readGroupStat sums the resource use of every live process of process
// group pgid (a transformer and whatever it started), plus the CPU time of
// the children the group leader has already waited for. Peak is the sum of
// each process's own peak: an upper bound of the group's peak.
func readGroupStat(pgid int) (Metrics, error) {
	var m Metrics
	lead, err := ReadProcStat(pgid)
	if err != nil {
		return m, err
	}
	m = lead
	if st, err := readStatFile(pgid); err == nil {
		m.CPUSeconds += float64(st.cutime+st.cstime) / clockTicks
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return m, fmt.Errorf("procstat: %w", err)
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == pgid {
			continue
		}
		st, err := readStatFile(pid)
		if err != nil || st.pgrp != pgid {
			continue // gone meanwhile, or another group
		}
		pm, err := ReadProcStat(pid)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return m, err
		}
		m.CPUSeconds += pm.CPUSeconds
		m.RSSBytes += pm.RSSBytes
		m.PeakRSS += pm.PeakRSS
	}
	return m, nil
}
