package cluster

import (
	"strings"
	"testing"
)

func TestParseObjectTo(t *testing.T) {
	for in, want := range map[string][2]string{
		"dst/a/b.txt":        {"dst", "a/b.txt"},
		"ais/@#/dst/a/b.txt": {"dst", "a/b.txt"},
		"ais/@/dst/obj":      {"dst", "obj"},
	} {
		b, o, err := ParseObjectTo(in)
		if err != nil || b != want[0] || o != want[1] {
			t.Errorf("%q: %q %q %v, want %q", in, b, o, err, want)
		}
	}
	for in, want := range map[string]string{
		"aws/@#/dst/obj":   `provider "aws"`,
		"ais/@u#n/dst/obj": "namespace",
		"ais/@#/dst":       "object",
		"ais/@#/dst/../x":  "",
	} {
		if _, _, err := ParseObjectTo(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to say %q", in, err, want)
		}
	}
}
