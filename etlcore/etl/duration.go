package etl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// MaxDuration is the largest Duration a spec may carry.
const MaxDuration = Duration(24 * time.Hour)

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d like time.Duration but without zero tails: "45s", "5m", "1h30m".
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// MarshalJSON writes d as a string, e.g. "45s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "45s", "5m", "1h30m" (Go duration syntax), or a bare
// number (JSON number or numeric string) taken as seconds. null leaves d
// unchanged. Negative, non-finite and out-of-range values are rejected.
func (d *Duration) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("duration: %w", err)
		}
	} else {
		s = string(b)
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseDuration parses a spec duration: Go syntax ("45s", "1m30s", "500ms")
// or a bare decimal number of seconds ("45", "1.5"). The result must be
// between 0 and MaxDuration.
func ParseDuration(s string) (Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, errors.New(`duration: empty (want e.g. "45s", "5m" or a number of seconds)`)
	}
	var v time.Duration
	if f, err := strconv.ParseFloat(t, 64); err == nil {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("duration %q: not a finite number", s)
		}
		if f < 0 {
			return 0, fmt.Errorf("duration %q: negative", s)
		}
		if f > MaxDuration.D().Seconds() {
			return 0, fmt.Errorf("duration %q: more than the maximum %s", s, MaxDuration)
		}
		v = time.Duration(f * float64(time.Second))
	} else {
		var perr error
		v, perr = time.ParseDuration(t)
		if perr != nil {
			return 0, fmt.Errorf("duration %q: want e.g. \"45s\", \"5m\", \"1h30m\" or a number of seconds", s)
		}
		if v < 0 {
			return 0, fmt.Errorf("duration %q: negative", s)
		}
		if v > MaxDuration.D() {
			return 0, fmt.Errorf("duration %q: more than the maximum %s", s, MaxDuration)
		}
	}
	return Duration(v), nil
}
