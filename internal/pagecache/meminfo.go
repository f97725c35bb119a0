// Package pagecache brings the machine's memory to the state of a storage
// node that has run for a while: free memory down to the kernel's
// watermarks, the rest page cache that writes can reclaim.
//
// It matters in a virtual machine whose kernel reports free memory to the
// hypervisor (virtio-balloon free page reporting): the host takes such
// pages back, and the next touch of each one is a host page fault, which
// the guest sees as system time of whatever process touched it. A PUT
// benchmark that writes into that memory measures the hypervisor: on a
// 2-core Firecracker VM, writing 2000 MiB into the page cache cost 1.1-1.8 s
// of system time with the cache full and 11 s right after 4 GiB of cached
// files were deleted and their pages reported. Deleting a bucket between
// two benchmark cells is enough to make the next cell pay.
package pagecache

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Paths of the kernel's counters; variables for tests.
var (
	meminfoPath  = "/proc/meminfo"
	zoneinfoPath = "/proc/zoneinfo"
	reportedPath = "/sys/module/page_reporting/parameters/reported_kib"
	balloonGlob  = "/sys/bus/virtio/drivers/virtio_balloon/virtio*/features"
)

// balloonReporting is VIRTIO_BALLOON_F_REPORTING, the feature bit of free
// page reporting.
const balloonReporting = 5

// Meminfo is what the filler reads of /proc/meminfo, in bytes.
type Meminfo struct {
	Total, Free, Cached uint64
}

// ReadMeminfo reads MemTotal, MemFree and Cached.
func ReadMeminfo() (Meminfo, error) {
	b, err := os.ReadFile(meminfoPath)
	if err != nil {
		return Meminfo{}, fmt.Errorf("meminfo: %w", err)
	}
	var m Meminfo
	seen := 0
	for line := range bytes.Lines(b) {
		f := strings.Fields(string(line))
		if len(f) < 2 {
			continue
		}
		var dst *uint64
		switch f[0] {
		case "MemTotal:":
			dst = &m.Total
		case "MemFree:":
			dst = &m.Free
		case "Cached:":
			dst = &m.Cached
		default:
			continue
		}
		kib, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			return Meminfo{}, fmt.Errorf("meminfo: %s %q: %w", f[0], f[1], err)
		}
		*dst = kib << 10
		seen++
	}
	if seen < 3 || m.Total == 0 {
		return Meminfo{}, fmt.Errorf("meminfo: %s lacks MemTotal, MemFree or Cached", meminfoPath)
	}
	return m, nil
}

// HighWatermark is the sum over all zones of the kernel's high watermark,
// in bytes: the free memory kswapd reclaims up to.
func HighWatermark() (uint64, error) {
	f, err := os.Open(zoneinfoPath)
	if err != nil {
		return 0, fmt.Errorf("zoneinfo: %w", err)
	}
	defer f.Close()
	var pages uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) == 2 && fl[0] == "high" {
			n, err := strconv.ParseUint(fl[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("zoneinfo: high %q: %w", fl[1], err)
			}
			pages += n
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("zoneinfo: %w", err)
	}
	return pages * uint64(os.Getpagesize()), nil
}

// HostReported is how much free memory, in bytes, the kernel has
// reported to the hypervisor since boot; ok is false when it reports none
// (no free page reporting: bare metal, or a VM without it).
func HostReported() (n uint64, ok bool) {
	b, err := os.ReadFile(reportedPath)
	if err != nil {
		return 0, false
	}
	kib, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, false
	}
	return kib << 10, true
}

// Reporting says whether the kernel reports free memory to a hypervisor:
// it counts what it reported, or a virtio balloon device offers free page
// reporting.
func Reporting() bool {
	if _, ok := HostReported(); ok {
		return true
	}
	files, _ := filepath.Glob(balloonGlob)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil && len(b) > balloonReporting && b[balloonReporting] == '1' {
			return true
		}
	}
	return false
}
