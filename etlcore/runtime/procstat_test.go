package runtime

import (
	"os"
	"strings"
	"testing"
)

func TestReadProcStatSelf(t *testing.T) {
	buf := make([]byte, 32<<20)
	for i := range buf {
		buf[i] = 1
	}
	m, err := ReadProcStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.RSSBytes < 32<<20 || m.PeakRSS < m.RSSBytes || m.CPUSeconds <= 0 {
		t.Fatalf("self metrics %+v: want RSS >= 32 MiB, peak >= RSS, CPU > 0", m)
	}
	_ = buf[len(buf)-1]
}

func TestReadProcStatErrors(t *testing.T) {
	for _, pid := range []int{0, -1} {
		if _, err := ReadProcStat(pid); err == nil || !strings.Contains(err.Error(), "invalid pid") {
			t.Errorf("pid %d: err = %v", pid, err)
		}
	}
	if _, err := ReadProcStat(1 << 30); err == nil {
		t.Error("no error for a pid that does not exist")
	}
}

func TestParseKB(t *testing.T) {
	if v, err := parseKB("VmRSS:\t   1234 kB"); err != nil || v != 1234 {
		t.Fatalf("got %d, %v", v, err)
	}
	if _, err := parseKB("VmRSS:"); err == nil {
		t.Fatal("no error for a malformed line")
	}
}
