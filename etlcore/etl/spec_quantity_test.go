package etl

import (
	"math/big"
	"testing"
)

func TestParseQuantity(t *testing.T) {
	good := map[string]string{ // quantity -> exact value
		"1":     "1",
		"0":     "0",
		"500m":  "1/2",
		"0.5":   "1/2",
		".5":    "1/2",
		"+2":    "2",
		"256Mi": "268435456",
		"1Gi":   "1073741824",
		"1Ki":   "1024",
		"1Ei":   "1152921504606846976",
		"2e3":   "2000",
		"1E-2":  "1/100",
		"2e+3":  "2000",
		"1k":    "1000",
		"3M":    "3000000",
		"1G":    "1000000000",
		"100n":  "1/10000000",
		"5u":    "1/200000",
		"1.5Gi": "1610612736",
	}
	for in, want := range good {
		q, err := ParseQuantity(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		w, _ := new(big.Rat).SetString(want)
		if q.Cmp(w) != 0 {
			t.Errorf("%q = %s, want %s", in, q.RatString(), want)
		}
	}
	for _, in := range []string{"", "-1", "1GB", "Gi", "1.2.3", "1 Gi", "1gi", "e3", "1e", "1e1000", "1e31", "abc", "1Mi ", "0x10", "1_000", "++1", "1e3.5"} {
		if q, err := ParseQuantity(in); err == nil {
			t.Errorf("%q accepted as %s", in, q.RatString())
		}
	}
}

func TestResourceListNumbers(t *testing.T) {
	s, err := ParseSpec([]byte("name: abcdef\nruntime: {image: x}\nresources: {requests: {cpu: 0.5, memory: 1e3}, limits: {cpu: 2}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Resources.Requests["cpu"] != "0.5" || s.Resources.Limits["cpu"] != "2" {
		t.Fatalf("resources %+v", s.Resources)
	}
	if v, ok, err := s.Resources.Requests.Value("memory"); err != nil || !ok || v != 1000 {
		t.Fatalf("memory = %v %v %v", v, ok, err)
	}
	if _, ok, _ := s.Resources.Limits.Value("memory"); ok {
		t.Fatal("unset memory limit reported as set")
	}
}
