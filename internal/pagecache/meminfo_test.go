package pagecache

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, body string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// swap sets *v to p for the test.
func swap(t *testing.T, v *string, p string) {
	old := *v
	*v = p
	t.Cleanup(func() { *v = old })
}

func TestReadMeminfo(t *testing.T) {
	swap(t, &meminfoPath, writeFile(t, "meminfo", "MemTotal:       24683520 kB\nMemFree:         1130448 kB\nMemAvailable:   23862236 kB\nBuffers:           12 kB\nCached:         22166220 kB\n"))
	m, err := ReadMeminfo()
	if err != nil {
		t.Fatal(err)
	}
	if m.Total != 24683520<<10 || m.Free != 1130448<<10 || m.Cached != 22166220<<10 {
		t.Errorf("got %+v", m)
	}
	swap(t, &meminfoPath, writeFile(t, "meminfo", "MemTotal: 100 kB\nMemFree: x kB\nCached: 1 kB\n"))
	if _, err := ReadMeminfo(); err == nil || !strings.Contains(err.Error(), "MemFree") {
		t.Errorf("bad MemFree: %v, want an error naming it", err)
	}
	swap(t, &meminfoPath, writeFile(t, "meminfo", "MemTotal: 100 kB\n"))
	if _, err := ReadMeminfo(); err == nil {
		t.Error("meminfo without MemFree: no error")
	}
}

func TestReadZones(t *testing.T) {
	pg := uint64(os.Getpagesize())
	zone := func(name string, free, high, managed int) string {
		return fmt.Sprintf("Node 0, zone %8s\n  per-node stats\n      nr_free_pages 9\n  pages free     %d\n        min      1\n        low      2\n        high     %d\n        spanned  99\n        present  99\n        managed  %d\n  pagesets\n    cpu: 0\n              high:  126\n", name, free, high, managed)
	}
	swap(t, &zoneinfoPath, writeFile(t, "zoneinfo", zone("DMA", 3840, 16, 3840)+zone("DMA32", 770017, 3659, 772818)+zone("Normal", 1000, 25557, 5394258)+zone("Movable", 0, 32, 0)))
	z, err := ReadZones()
	if err != nil {
		t.Fatal(err)
	}
	if want := (Zones{Free: 1000 * pg, High: 25557 * pg}); z != want {
		t.Errorf("zones %+v, want Normal only %+v (DMA32 holds no page cache, Movable is empty)", z, want)
	}
	swap(t, &zoneinfoPath, writeFile(t, "zoneinfo", zone("DMA", 100, 16, 3840)+zone("DMA32", 2000, 300, 500000)))
	if z, err = ReadZones(); err != nil || z != (Zones{Free: 2100 * pg, High: 316 * pg}) {
		t.Errorf("small VM: zones %+v, %v; want every zone", z, err)
	}
	swap(t, &zoneinfoPath, writeFile(t, "zoneinfo", "Node 0, zone   Normal\n  pages free     x\n"))
	if _, err := ReadZones(); err == nil || !strings.Contains(err.Error(), "Normal") {
		t.Errorf("bad free count: %v, want an error naming the zone", err)
	}
}

func TestReporting(t *testing.T) {
	swap(t, &reportedPath, writeFile(t, "reported_kib", "139737744\n"))
	if n, ok := HostReported(); !ok || n != 139737744<<10 {
		t.Errorf("HostReported = %d, %v", n, ok)
	}
	swap(t, &reportedPath, filepath.Join(t.TempDir(), "none"))
	dir := t.TempDir()
	swap(t, &balloonGlob, filepath.Join(dir, "virtio*", "features"))
	if Reporting() {
		t.Error("Reporting without counter or balloon: true")
	}
	if err := os.Mkdir(filepath.Join(dir, "virtio0"), 0o755); err != nil {
		t.Fatal(err)
	}
	feat := filepath.Join(dir, "virtio0", "features")
	if err := os.WriteFile(feat, []byte("0110000000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if Reporting() {
		t.Error("balloon without bit 5: Reporting true")
	}
	if err := os.WriteFile(feat, []byte("0110010100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !Reporting() {
		t.Error("balloon with bit 5 (free page reporting): Reporting false")
	}
}
