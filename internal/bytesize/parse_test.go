package bytesize

import (
	"strings"
	"testing"
)

var testUnits = Units{
	List:  []Unit{{"KiB", 1 << 10}, {"KB", 1000}, {"K", 1 << 10}, {"B", 1}},
	Names: "B, KiB, KB",
}

func TestParse(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "4096": 4096, "4KiB": 4096, "4 kib": 4096, "4k": 4096, "2KB": 2000, "7B": 7, "1.5KiB": 1536, " 10 ": 10,
	} {
		if got, err := testUnits.Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "empty size",
		"KiB":                   "has no number",
		"-1":                    "negative",
		"-1.5K":                 "negative",
		"abc":                   `bad size "abc": want a number of bytes with an optional unit (B, KiB, KB)`,
		"1XB":                   "want a number of bytes",
		"NaN":                   "want a number of bytes",
		"99999999999999999999K": "too large",
		"9999999999999999K":     "too large",
		"9e300K":                "too large",
		"0.3KiB":                "not a whole number of bytes",
	} {
		_, err := testUnits.Parse(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q): %v; want an error saying %q", in, err, want)
		}
	}
}

func TestParseRounds(t *testing.T) {
	u := testUnits
	u.Round = true
	if got, err := u.Parse("0.3KiB"); err != nil || got != 307 {
		t.Fatalf("Parse(0.3KiB) rounding = %d, %v; want 307", got, err)
	}
}
