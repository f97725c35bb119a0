package reports

import (
	"testing"
)

func TestNiceTicks(t *testing.T) {
	cases := []struct {
		lo, hi float64
		labels []string
	}{
		{0, 1250, []string{"0", "250", "500", "750", "1000", "1250"}},
		{0, 1.2, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0", "1.2"}},
		{0, 1.4, []string{"0.00", "0.25", "0.50", "0.75", "1.00", "1.25"}},
		{-0.05, 2, []string{"0.0", "0.5", "1.0", "1.5", "2.0"}},
		{990, 1010, []string{"990", "995", "1000", "1005", "1010"}},
	}
	for _, c := range cases {
		var got []string
		for _, tk := range (niceTicks{}).Ticks(c.lo, c.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if len(got) != len(c.labels) {
			t.Errorf("ticks(%v, %v) = %v, want %v", c.lo, c.hi, got, c.labels)
			continue
		}
		for i := range got {
			if got[i] != c.labels[i] {
				t.Errorf("ticks(%v, %v) = %v, want %v", c.lo, c.hi, got, c.labels)
				break
			}
		}
	}
}

func TestSpectrumTicksAndSlug(t *testing.T) {
	var labels []string
	for _, tk := range (spectrumTicks{}).Ticks(1, 1000) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	want := []string{"0%", "50%", "90%", "99%", "99.9%"}
	if len(labels) != len(want) {
		t.Fatalf("spectrum ticks %v, want %v", labels, want)
	}
	for i := range want {
		if labels[i] != want[i] {
			t.Fatalf("spectrum ticks %v, want %v", labels, want)
		}
	}
	if got := slug("size=64KiB op=etl-get/x"); got != "size-64KiB-op-etl-get-x" {
		t.Errorf("slug = %q", got)
	}
	if got := slug("///"); got != "all" {
		t.Errorf("slug of nothing = %q", got)
	}
}

func TestLessNaturalSizes(t *testing.T) {
	ordered := []string{"size=4KiB", "size=64KiB", "size=1MiB", "size=8MiB", "size=64MiB"}
	for i := 0; i+1 < len(ordered); i++ {
		if !lessNatural(ordered[i], ordered[i+1]) || lessNatural(ordered[i+1], ordered[i]) {
			t.Errorf("%s should sort before %s", ordered[i], ordered[i+1])
		}
	}
	if !lessNatural("w2", "w10") {
		t.Error("w2 should sort before w10")
	}
}
