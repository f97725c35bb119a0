package cluster

import (
	"fmt"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

func TestHRWSpreadAndStability(t *testing.T) {
	ids := []string{"t1", "t2", "t3"}
	counts := make([]int, len(ids))
	for i := 0; i < 30000; i++ {
		counts[HRW(ids, fmt.Sprintf("bck/obj-%d", i))]++
	}
	for i, c := range counts {
		if c < 9000 || c > 11000 {
			t.Fatalf("target %s got %d of 30000 names; want about 10000", ids[i], c)
		}
	}
	// Removing a target moves only that target's names.
	for i := 0; i < 3000; i++ {
		name := fmt.Sprintf("bck/obj-%d", i)
		before := ids[HRW(ids, name)]
		after := []string{"t1", "t3"}[HRW([]string{"t1", "t3"}, name)]
		if before != "t2" && before != after {
			t.Fatalf("%s moved from %s to %s when t2 left", name, before, after)
		}
	}
}

func TestOwner(t *testing.T) {
	if _, err := Owner(&api.Smap{}, "b", "o"); err == nil {
		t.Fatal("no targets: want error")
	}
	sm := &api.Smap{Targets: []api.NodeInfo{{ID: "a"}, {ID: "b"}}}
	o1, err := Owner(sm, "b", "o")
	if err != nil {
		t.Fatal(err)
	}
	o2, _ := Owner(sm, "b", "o")
	if o1.ID != o2.ID {
		t.Fatal("owner not deterministic")
	}
}

func TestValidateNames(t *testing.T) {
	good := []string{"a", "a/b/c", "日本語/ファイル", "x.y", "..a", "a..", strings.Repeat("x", 255)}
	for _, n := range good {
		if err := ValidateObjName(n); err != nil {
			t.Errorf("%q: %v", n, err)
		}
	}
	bad := map[string]string{
		"":                             "empty",
		"/abs":                         "absolute",
		"a/../b":                       `".." segment`,
		"..":                           `".." segment`,
		"a//b":                         "empty path segment",
		"a/./b":                        `"." segment`,
		"a\x00b":                       "NUL",
		"\xff":                         "UTF-8",
		strings.Repeat("x", 1025):      "at most 1024",
		strings.Repeat("x", 256) + "/": "segment of 256",
	}
	for n, want := range bad {
		err := ValidateObjName(n)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.20q: got %v, want error containing %q", n, err, want)
		}
	}
	for _, b := range []string{"", ".hidden", "a/b", "a b", strings.Repeat("b", 65)} {
		if ValidateBucket(b) == nil {
			t.Errorf("bucket %q: want error", b)
		}
	}
	if err := ValidateBucket("My_bucket-1.x"); err != nil {
		t.Error(err)
	}
}

func TestExpandTemplate(t *testing.T) {
	var got []string
	err := ExpandTemplate("s-{008..011}/x{1..5..2}.tar", func(n string) error { got = append(got, n); return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := "s-008/x1.tar s-008/x3.tar s-008/x5.tar s-009/x1.tar s-009/x3.tar s-009/x5.tar s-010/x1.tar s-010/x3.tar s-010/x5.tar s-011/x1.tar s-011/x3.tar s-011/x5.tar"
	if strings.Join(got, " ") != want {
		t.Fatalf("got %v", got)
	}
	for _, bad := range []string{"none", "a-{1..}", "a-{3..1}", "a-{x..2}", "a-{1..2..0}", "a-{0..9", "a-{0..99999}{0..99999}"} {
		if err := ExpandTemplate(bad, func(string) error { return nil }); err == nil {
			t.Errorf("%q: want error", bad)
		}
	}
}

func TestParseBckParam(t *testing.T) {
	for in, want := range map[string]string{"dst": "dst", "ais://dst": "dst", "ais/@#/dst/": "dst", "ais/@#/dst": "dst", "dst/": "dst"} {
		if got, err := ParseBckParam(in); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "aws/@#/dst/", "ais/@ns/x/y/", "a b"} {
		if _, err := ParseBckParam(bad); err == nil {
			t.Errorf("%q: want error", bad)
		}
	}
}
