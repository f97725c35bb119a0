package loadgen

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/cespare/xxhash/v2"

	"github.com/etlbench/etlbench/reports/result"
)

// selfStats returns the loader's own resource use: peak RSS (VmHWM), CPU
// seconds (user + system) and the peak number of goroutines seen.
func selfStats(peakGoroutines int) result.LoaderStats {
	st := result.LoaderStats{PeakRSSBytes: peakRSS(), Goroutines: peakGoroutines}
	if g := runtime.NumGoroutine(); g > st.Goroutines {
		st.Goroutines = g
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		st.CPUSeconds = float64(ru.Utime.Sec) + float64(ru.Utime.Usec)/1e6 + float64(ru.Stime.Sec) + float64(ru.Stime.Usec)/1e6
	}
	return st
}

// peakRSS reads VmHWM from /proc/self/status (0 where there is none).
func peakRSS() int64 {
	return procStatusKB("VmHWM:") * 1024
}

// currentRSS reads VmRSS from /proc/self/status.
func currentRSS() int64 {
	return procStatusKB("VmRSS:") * 1024
}

func procStatusKB(key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, key) {
			fields := strings.Fields(strings.TrimPrefix(line, key))
			if len(fields) > 0 {
				n, _ := strconv.ParseInt(fields[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

func currentGoroutines() int { return runtime.NumGoroutine() }

func xxhashSum(b []byte) uint64 { return xxhash.Sum64(b) }
