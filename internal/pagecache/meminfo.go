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

// Zones are the free memory and the kernel's high watermark (the free
// memory kswapd reclaims up to), in bytes, of the zones that hold the page
// cache: Normal and Movable, or every zone on a machine without them (all
// of a small VM's memory is DMA32). Below Normal the allocator keeps the
// DMA32 zone for itself: a 24 GiB VM with its cache full still has 3 GiB
// free there, which no write ever gets.
type Zones struct {
	Free, High uint64
}

// ReadZones sums /proc/zoneinfo over the page cache's zones.
func ReadZones() (Zones, error) {
	f, err := os.Open(zoneinfoPath)
	if err != nil {
		return Zones{}, fmt.Errorf("zoneinfo: %w", err)
	}
	defer f.Close()
	type zone struct {
		name                string
		free, high, managed uint64
	}
	var zs []zone
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) == 4 && fl[0] == "Node" && fl[2] == "zone" {
			zs = append(zs, zone{name: fl[3]})
			continue
		}
		if len(zs) == 0 {
			continue
		}
		z := &zs[len(zs)-1]
		var dst *uint64
		switch {
		case len(fl) == 3 && fl[0] == "pages" && fl[1] == "free":
			dst, fl = &z.free, fl[1:]
		case len(fl) == 2 && fl[0] == "high":
			dst = &z.high
		case len(fl) == 2 && fl[0] == "managed":
			dst = &z.managed
		default:
			continue
		}
		n, err := strconv.ParseUint(fl[1], 10, 64)
		if err != nil {
			return Zones{}, fmt.Errorf("zoneinfo: zone %s: %s %q: %w", z.name, fl[0], fl[1], err)
		}
		*dst = n
	}
	if err := sc.Err(); err != nil {
		return Zones{}, fmt.Errorf("zoneinfo: %w", err)
	}
	var all, cache Zones
	for _, z := range zs {
		all.Free += z.free
		all.High += z.high
		if z.managed > 0 && (z.name == "Normal" || z.name == "Movable") {
			cache.Free += z.free
			cache.High += z.high
		}
	}
	if len(zs) == 0 {
		return Zones{}, fmt.Errorf("zoneinfo: no zones in %s", zoneinfoPath)
	}
	pg := uint64(os.Getpagesize())
	if cache == (Zones{}) {
		cache = all
	}
	return Zones{Free: cache.Free * pg, High: cache.High * pg}, nil
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
