package cluster

import (
	"errors"
	"math/big"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// FuzzValidateObjName: never panics, and a name it accepts, joined under
// a bucket's directory, stays strictly inside that directory.
func FuzzValidateObjName(f *testing.F) {
	for _, s := range []string{"a", "dir/a.bin", "../x", "a/../../b", "./a", "/etc/passwd", `..\..\x`,
		"a//b", "a/", "a\x00b", "\xff", "...", "a/.../b", "%2e%2e/x", strings.Repeat("x", 256), "日本/語"} {
		f.Add(s)
	}
	const root = "/mp/root"
	f.Fuzz(func(t *testing.T, name string) {
		err := ValidateObjName(name)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("empty error for %q", name)
			}
			return
		}
		dir := filepath.Join(root, "bck")
		fqn := filepath.Join(dir, filepath.FromSlash(name))
		if !strings.HasPrefix(fqn, dir+string(filepath.Separator)) {
			t.Fatalf("accepted name %q escapes the bucket: %s", name, fqn)
		}
		if rel, err := filepath.Rel(dir, fqn); err != nil || rel != filepath.FromSlash(name) {
			t.Fatalf("accepted name %q is not stored under its own name: rel %q (%v)", name, rel, err)
		}
		if len(name) > MaxObjNameLen || strings.IndexByte(name, 0) >= 0 {
			t.Fatalf("accepted name %q breaks the length or NUL rule", name)
		}
	})
}

// FuzzValidateBucket: never panics; an accepted bucket is one plain path
// segment that does not start with '.'.
func FuzzValidateBucket(f *testing.F) {
	for _, s := range []string{"src", "a.b-c_d", ".hidden", "..", "a/b", "", strings.Repeat("b", 65), "b%2F", "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, bck string) {
		if err := ValidateBucket(bck); err != nil {
			if err.Error() == "" {
				t.Fatalf("empty error for %q", bck)
			}
			return
		}
		if bck == "" || bck[0] == '.' || strings.ContainsAny(bck, "/\\\x00") || len(bck) > 64 {
			t.Fatalf("accepted bucket %q", bck)
		}
		root := "/mp/root"
		if filepath.Dir(filepath.Join(root, bck)) != root {
			t.Fatalf("accepted bucket %q is not one directory under the mountpath", bck)
		}
	})
}

var errEnough = errors.New("enough names")

// tmplRange finds the ranges the way ExpandTemplate does: each '{' up to
// the first '}' after it.
var tmplRange = regexp.MustCompile(`\{([^}]*)\}`)

// expectedCount computes, independently and without overflow, how many
// names tmpl expands to; ok is false for a template ExpandTemplate must
// reject.
func expectedCount(tmpl string) (n *big.Int, ok bool) {
	ms := tmplRange.FindAllStringSubmatchIndex(tmpl, -1)
	if len(ms) == 0 {
		return nil, false
	}
	if strings.IndexByte(tmpl[ms[len(ms)-1][1]:], '{') >= 0 {
		return nil, false
	}
	n = big.NewInt(1)
	for _, m := range ms {
		parts := strings.Split(tmpl[m[2]:m[3]], "..")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, false
		}
		var v [3]int64
		v[2] = 1
		for i, p := range parts {
			x, err := strconv.Atoi(p)
			if err != nil {
				return nil, false
			}
			v[i] = int64(x)
		}
		if v[0] < 0 || v[1] < v[0] || v[2] <= 0 {
			return nil, false
		}
		c := new(big.Int).Sub(big.NewInt(v[1]), big.NewInt(v[0]))
		c.Quo(c, big.NewInt(v[2]))
		c.Add(c, big.NewInt(1))
		n.Mul(n, c)
	}
	return n, true
}

// FuzzExpandTemplate: never panics or loops; it expands to exactly the
// number of names its ranges say (checked with big integers), refuses
// templates over MaxTemplateNames before producing any name, and never
// produces a negative number (integer overflow).
func FuzzExpandTemplate(f *testing.F) {
	for _, s := range []string{"obj-{0000..0999}.bin", "a-{0..100..10}/b-{1..3}", "{0..0}", "x{1..2", "{a..b}",
		"{5..1}", "{0..9..0}", "{0..1..2..3}", "{-1..2}", "{0..9223372036854775807}",
		"{9223372036854775800..9223372036854775807..5}", "{0..99999}{0..99999}", "no-range", "{}", "{..}", "{0..3}}{"} {
		f.Add(s)
	}
	const maxNames = 2000
	f.Fuzz(func(t *testing.T, tmpl string) {
		var names []string
		err := ExpandTemplate(tmpl, func(name string) error {
			names = append(names, name)
			if len(names) >= maxNames {
				return errEnough
			}
			return nil
		})
		want, ok := expectedCount(tmpl)
		switch {
		case !ok:
			if err == nil || len(names) != 0 {
				t.Fatalf("%q: accepted (%d names, %v); want an error", tmpl, len(names), err)
			}
		case want.Cmp(big.NewInt(MaxTemplateNames)) > 0:
			if err == nil || errors.Is(err, errEnough) || len(names) != 0 {
				t.Fatalf("%q expands to %s names: got %d names, %v; want a too-many error first", tmpl, want, len(names), err)
			}
		case want.Cmp(big.NewInt(maxNames)) >= 0:
			if !errors.Is(err, errEnough) || len(names) != maxNames {
				t.Fatalf("%q: %d names, %v; want the callback's error after %d", tmpl, len(names), err, maxNames)
			}
		default:
			if err != nil || int64(len(names)) != want.Int64() {
				t.Fatalf("%q: %d names, %v; want %s", tmpl, len(names), err, want)
			}
		}
		if strings.IndexByte(tmpl, '-') < 0 {
			for _, n := range names {
				if strings.IndexByte(n, '-') >= 0 {
					t.Fatalf("%q produced %q: a negative number (overflow)", tmpl, n)
				}
			}
		}
	})
}
