package etl

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParseSpec: the parser never panics; an error is always a *SpecError;
// an accepted spec validates, and its normalized JSON parses back to a spec
// with the same hash.
func FuzzParseSpec(f *testing.F) {
	f.Add([]byte(goodYAML))
	f.Add([]byte(`{"name":"abcdef","communication":"ws","init_timeout":30,"runtime":{"command":["./x","${PORT}"]}}`))
	f.Add([]byte("name: first-etl\nruntime: {image: a}\n---\nname: second-etl\nruntime: {image: b}\n"))
	f.Add([]byte(`[{"name":"abcdef","runtime":{"image":"x"},"resources":{"limits":{"cpu":"2e3"}}}]`))
	f.Add([]byte(`{"id":"abcdef","spec":"x"}`))
	f.Add([]byte("--- {name: abcdef, runtime: {image: x}}\n...\n"))
	f.Add([]byte(quickstartPod))
	f.Add([]byte(cliInitMsg(quickstartPod, "transformer-md5")))
	f.Fuzz(func(t *testing.T, data []byte) {
		specs, err := ParseSpecs(data)
		if err != nil {
			var se *SpecError
			if !errors.As(err, &se) {
				t.Fatalf("error is %T, not *SpecError: %v", err, err)
			}
			if se.Field == "" || se.Rule == "" {
				t.Fatalf("error without field or rule: %#v", se)
			}
			return
		}
		if len(specs) == 0 {
			t.Fatal("no error and no spec")
		}
		for _, s := range specs {
			if err := s.Validate(); err != nil {
				t.Fatalf("accepted spec does not validate: %v", err)
			}
			c := s.Clone()
			c.Normalize()
			j, err := json.Marshal(c)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			back, err := ParseSpec(j)
			if err != nil {
				t.Fatalf("normalized spec %s does not parse: %v", j, err)
			}
			if back.Hash() != s.Hash() {
				t.Fatalf("hash changed over a round trip: %s", j)
			}
		}
	})
}
