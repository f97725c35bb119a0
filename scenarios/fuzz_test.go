package scenarios

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: any input gives a scenario or field errors, never a panic;
// a scenario that loads expands into cells with distinct IDs.
func FuzzParse(f *testing.F) {
	for _, pat := range []string{"*.yaml", "testdata/valid/*.yaml", "testdata/invalid/*.yaml"} {
		files, _ := filepath.Glob(pat)
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("name: x\ndataset: {sizes: [1KiB]}\nmatrix: {comm: &a [ws], op: *a}\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			if len(AsFieldErrors(err)) == 0 {
				t.Fatalf("error %T is not a field error: %v", err, err)
			}
			return
		}
		runs := s.Expand()
		if len(runs) > 1_000_000 {
			return
		}
		seen := map[string]bool{}
		for _, p := range s.Points() {
			if seen[p.ID] {
				t.Fatalf("duplicate cell %s", p.ID)
			}
			seen[p.ID] = true
		}
	})
}

// FuzzSet: any override either applies or leaves the scenario unchanged.
func FuzzSet(f *testing.F) {
	for _, kv := range []string{"duration=10s", "matrix.comm=[ws]", "transformers[1].args=x", "a.b[0][1].c=1", "=", "load={model: open, rate: 5}", "x=[", "matrix.size=[0x10, 1e3]"} {
		f.Add(kv)
	}
	f.Fuzz(func(t *testing.T, kv string) {
		s, err := Load("testdata/valid/full.yaml")
		if err != nil {
			t.Fatal(err)
		}
		before := len(s.Expand())
		if err := s.Set(kv); err != nil {
			if len(s.Sets()) != 0 || len(s.Expand()) != before {
				t.Fatalf("failed Set(%q) changed the scenario", kv)
			}
			return
		}
		if len(s.Sets()) != 1 {
			t.Fatalf("Sets() = %v", s.Sets())
		}
	})
}
