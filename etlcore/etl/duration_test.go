package etl

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDurationJSON(t *testing.T) {
	good := map[string]time.Duration{
		`"45s"`:   45 * time.Second,
		`"5m"`:    5 * time.Minute,
		`"1h30m"`: 90 * time.Minute,
		`"500ms"`: 500 * time.Millisecond,
		`45`:      45 * time.Second,
		`1.5`:     1500 * time.Millisecond,
		`"30"`:    30 * time.Second,
		`0`:       0,
		`"24h"`:   24 * time.Hour,
		`1e2`:     100 * time.Second,
	}
	for in, want := range good {
		var d Duration
		if err := json.Unmarshal([]byte(in), &d); err != nil || d.D() != want {
			t.Errorf("%s -> %v, %v; want %v", in, d.D(), err, want)
		}
	}
	for _, in := range []string{`"-1s"`, `-3`, `"soon"`, `""`, `"1d"`, `true`, `"25h"`, `1e300`, `"NaN"`, `"Inf"`, `{}`, `[1]`} {
		var d Duration
		if err := json.Unmarshal([]byte(in), &d); err == nil {
			t.Errorf("%s accepted as %v", in, d.D())
		}
	}
	var d Duration = 7
	if err := json.Unmarshal([]byte(`null`), &d); err != nil || d != 7 {
		t.Errorf("null changed the duration: %v %v", d, err)
	}
}

func TestDurationString(t *testing.T) {
	for d, want := range map[time.Duration]string{
		45 * time.Second:        "45s",
		5 * time.Minute:         "5m",
		time.Hour:               "1h",
		90 * time.Minute:        "1h30m",
		time.Hour + time.Second: "1h0m1s",
		1500 * time.Millisecond: "1.5s",
		0:                       "0s",
	} {
		if got := Duration(d).String(); got != want {
			t.Errorf("%v -> %q, want %q", d, got, want)
		}
		b, _ := json.Marshal(Duration(d))
		var back Duration
		if err := json.Unmarshal(b, &back); err != nil || back.D() != d {
			t.Errorf("round trip %s -> %v %v", b, back.D(), err)
		}
	}
}
