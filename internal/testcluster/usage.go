package testcluster

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Usage is what resource tests watch of a node process.
type Usage struct {
	Threads, FDs int
	RSSKiB       int64
}

// ReadUsage reads the thread count, resident set and open file
// descriptors of process pid from /proc.
func ReadUsage(pid int) (Usage, error) {
	var u Usage
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u, fmt.Errorf("read status of %d: %w", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		f := strings.Fields(v)
		if !ok || len(f) == 0 {
			continue
		}
		switch k {
		case "Threads":
			u.Threads, _ = strconv.Atoi(f[0])
		case "VmRSS":
			u.RSSKiB, _ = strconv.ParseInt(f[0], 10, 64)
		}
	}
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return u, fmt.Errorf("read fds of %d: %w", pid, err)
	}
	u.FDs = len(ents)
	return u, nil
}

// Goroutines reads a node's etlcore_goroutines gauge from its /metrics.
func Goroutines(t testing.TB, nodeURL string) int {
	t.Helper()
	resp, err := http.Get(nodeURL + "/metrics")
	if err != nil {
		t.Fatalf("metrics of %s: %v", nodeURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("metrics of %s: %v", nodeURL, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "etlcore_goroutines{") {
			if n, err := strconv.Atoi(line[strings.LastIndexByte(line, ' ')+1:]); err == nil {
				return n
			}
		}
	}
	t.Fatalf("no etlcore_goroutines in the metrics of %s", nodeURL)
	return 0
}
