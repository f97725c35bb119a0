package strict

import "testing"

func TestJoinAndIndex(t *testing.T) {
	cases := []struct{ path, key, want string }{
		{"", "name", "name"},
		{"runtime", "image", "runtime.image"},
		{"resources.limits", "nvidia.com/gpu", `resources.limits."nvidia.com/gpu"`},
		{"env[0]", "valueFrom", "env[0].valueFrom"},
		{"", "", `""`},
		{"load", "a b", `load."a b"`},
		{"", "min_size", "min_size"},
		{"", "x-y", "x-y"},
	}
	for _, c := range cases {
		if got := Join(c.path, c.key); got != c.want {
			t.Errorf("Join(%q, %q) = %q, want %q", c.path, c.key, got, c.want)
		}
	}
	if got := Index(Join("runtime", "command"), 2); got != "runtime.command[2]" {
		t.Errorf("Index = %q", got)
	}
}

func TestUnknownField(t *testing.T) {
	known := []string{"objects", "sizes", "min_size", "max_size"}
	cases := []struct{ key, want string }{
		{"object", `unknown field "object"; want one of objects, sizes, min_size, max_size (did you mean "objects"?)`},
		{"Sizes", `unknown field "Sizes"; want one of objects, sizes, min_size, max_size (did you mean "sizes"?)`},
		{"minsize", `unknown field "minsize"; want one of objects, sizes, min_size, max_size (did you mean "min_size"?)`},
		{"colour", `unknown field "colour"; want one of objects, sizes, min_size, max_size`},
		{"", `unknown field ""; want one of objects, sizes, min_size, max_size`},
	}
	for _, c := range cases {
		if got := UnknownField(c.key, known); got != c.want {
			t.Errorf("UnknownField(%q)\n got %s\nwant %s", c.key, got, c.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"name", "mode", "rate", "duration", "warmup"}
	cases := []struct{ key, want string }{
		{"nme", "name"}, // one deletion, short key
		{"nmae", ""},    // two edits are too many for a short key
		{"durations", "duration"},
		{"wramup", "warmup"}, // a swap is two edits: allowed for a long key
		{"MODE", "mode"},     // case does not count
		{"speed", ""},
		{"rame", "name"}, // equally near "name" and "rate": the first listed wins
		{"ráte", "rate"}, // runes, not bytes
	}
	for _, c := range cases {
		if got := Suggest(c.key, known); got != c.want {
			t.Errorf("Suggest(%q) = %q, want %q", c.key, got, c.want)
		}
	}
	if got := Suggest("x", nil); got != "" {
		t.Errorf("Suggest with no known names = %q", got)
	}
}
