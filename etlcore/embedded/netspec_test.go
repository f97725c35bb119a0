package embedded

import (
	"strings"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for in, want := range map[string]uint64{
		"10Gbit": 10e9, "1Gbit": 1e9, "100Mbit": 100e6, "1.5gbit": 1.5e9, "500kbit": 500e3, " 8000bit ": 8000,
	} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
		if back, err := ParseRate(FormatRate(want)); err != nil || back != want {
			t.Errorf("ParseRate(FormatRate(%d) = %q) = %d, %v", want, FormatRate(want), back, err)
		}
	}
	for _, bad := range []string{"", "10", "10GB", "fast", "-1Gbit", "0Mbit", "1e9Tbit", "NaNbit"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) succeeded", bad)
		}
	}
}

func TestParseLink(t *testing.T) {
	l, err := ParseLink("rate=100Mbit, delay=2ms,jitter=500us,loss=0.1%")
	if err != nil {
		t.Fatal(err)
	}
	want := LinkShape{Rate: 100e6, Delay: 2 * time.Millisecond, Jitter: 500 * time.Microsecond, Loss: 0.1}
	if l != want {
		t.Fatalf("got %+v, want %+v", l, want)
	}
	if back, err := ParseLink(l.String()); err != nil || back != l {
		t.Fatalf("round trip of %q: %+v, %v", l.String(), back, err)
	}
	if l, err := ParseLink(""); err != nil || l.Shaped() || l.String() != "unshaped" {
		t.Fatalf("empty link: %+v %q %v", l, l.String(), err)
	}
	for bad, msg := range map[string]string{
		"rate=fast":          "rate",
		"speed=1Gbit":        "unknown key",
		"rate":               "key=value",
		"loss=101%":          "loss",
		"jitter=1ms":         "without a delay",
		"delay=-1ms":         "negative",
		"rate=1kbit":         "at least 8kbit",
		"delay=2h":           "at most 1m",
		"rate=1Gbit,loss=x%": "loss",
	} {
		if _, err := ParseLink(bad); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseLink(%q) = %v; want an error naming %q", bad, err, msg)
		}
	}
}

func TestLossBytecode(t *testing.T) {
	// 4 instructions: load the random number, compare, two returns.
	got := lossBytecode(50)
	if want := "4,32 0 0 4294963256,53 0 1 2147483648,6 0 0 0,6 0 0 4294967295"; got != want {
		t.Fatalf("lossBytecode(50) = %q, want %q", got, want)
	}
	if got := lossBytecode(100); !strings.Contains(got, ",53 0 1 4294967295,") {
		t.Fatalf("lossBytecode(100) = %q: the threshold must saturate", got)
	}
}

func TestClusterNetID(t *testing.T) {
	a, b := NetID("/tmp/a"), NetID("/tmp/b")
	if a == b || len(a) != 6 || NetID("/tmp/a") != a {
		t.Fatalf("ids %q %q: want 6 hex characters, stable and distinct per directory", a, b)
	}
	// Interface and namespace names must fit the kernel's limits.
	if n := netnsName(a, "t64"); len(n) > 32 {
		t.Fatalf("namespace name %q is long", n)
	}
}
