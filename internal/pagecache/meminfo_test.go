package pagecache

import (
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

func TestHighWatermark(t *testing.T) {
	swap(t, &zoneinfoPath, writeFile(t, "zoneinfo", "Node 0, zone      DMA\n  pages free     3840\n        min      10\n        low      13\n        high     16\nNode 0, zone   Normal\n        high     25557\n  nr_high 4\n"))
	hw, err := HighWatermark()
	if err != nil {
		t.Fatal(err)
	}
	if want := uint64(16+25557) * uint64(os.Getpagesize()); hw != want {
		t.Errorf("high watermark %d, want %d", hw, want)
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
