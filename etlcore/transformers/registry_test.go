package transformers

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/transformer"
)

func TestRegistry(t *testing.T) {
	want := []string{"audio", "compress", "echo", "fault", "hash-with-args", "image-resize", "md5"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	for _, n := range Names() {
		if d := Describe(n); d == "" || strings.Contains(d, "\n") {
			t.Errorf("Describe(%q) = %q, want one non-empty line", n, d)
		}
		if fn, err := Lookup(n); err != nil || fn == nil {
			t.Errorf("Lookup(%q) = %v, %v", n, fn, err)
		}
	}
	_, err := Lookup("nope")
	if err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "hash-with-args, image-resize") {
		t.Errorf("Lookup(nope) error %v, want the name and the known names", err)
	}
	if Describe("nope") != "" {
		t.Error("Describe of an unknown name is not empty")
	}
}

func TestWithDefaultArgs(t *testing.T) {
	var seen []string
	fn := func(_ context.Context, req transformer.Request, _ io.Reader, _ io.Writer) error {
		seen = append(seen, req.Args)
		return nil
	}
	wrapped := WithDefaultArgs(fn, "fail=500")
	ctx := context.Background()
	_ = wrapped(ctx, transformer.Request{}, nil, nil)
	_ = wrapped(ctx, transformer.Request{Args: "sleep=1s"}, nil, nil)
	_ = WithDefaultArgs(fn, "")(ctx, transformer.Request{}, nil, nil)
	if want := []string{"fail=500", "sleep=1s", ""}; !slices.Equal(seen, want) {
		t.Errorf("args seen %q, want %q", seen, want)
	}
}

func TestParseArgs(t *testing.T) {
	keys := map[string]bool{"a": true, "b": true, "flag": false}
	a, err := parseArgs("x", " a=1 , flag,, b = two ", keys)
	if err != nil {
		t.Fatal(err)
	}
	if a.kv["a"] != "1" || a.kv["b"] != "two" || !a.has("flag") || len(a.kv) != 3 {
		t.Errorf("parsed %v", a.kv)
	}
	if n, err := a.intIn("a", 0, 0, 5); n != 1 || err != nil {
		t.Errorf("intIn(a) = %d, %v", n, err)
	}
	if n, err := a.intIn("missing", 7, 0, 5); n != 7 || err != nil {
		t.Errorf("intIn(missing) = %d, %v, want the default", n, err)
	}
	if _, err := a.intIn("b", 0, 0, 5); err == nil || !strings.Contains(err.Error(), `"b"`) {
		t.Errorf("intIn(b) error %v, want one naming b", err)
	}
	bad := []struct{ in, want string }{
		{"c=1", `bad arg "c": unknown arg (known: a=..., b=..., flag)`},
		{"a", `bad arg "a": needs a value`},
		{"a=", `bad arg "a": empty value`},
		{"flag=1", `bad arg "flag": is a flag`},
		{"a=1,a=2", `bad arg "a": given twice`},
	}
	for _, c := range bad {
		_, err := parseArgs("x", c.in, keys)
		wantStatusErr(t, err, 400, "x: "+c.want)
	}
}
