package etl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// maxQuantityLen bounds the text of a quantity (Kubernetes allows no more
// than this, and it keeps big arithmetic cheap).
const maxQuantityLen = 64

// maxQuantityExp bounds the decimal exponent of a quantity ("2e3").
const maxQuantityExp = 30

var quantitySuffixes = map[string]*big.Rat{
	"":   big.NewRat(1, 1),
	"n":  big.NewRat(1, 1_000_000_000),
	"u":  big.NewRat(1, 1_000_000),
	"m":  big.NewRat(1, 1_000),
	"k":  big.NewRat(1_000, 1),
	"M":  big.NewRat(1_000_000, 1),
	"G":  new(big.Rat).SetInt(pow(10, 9)),
	"T":  new(big.Rat).SetInt(pow(10, 12)),
	"P":  new(big.Rat).SetInt(pow(10, 15)),
	"E":  new(big.Rat).SetInt(pow(10, 18)),
	"Ki": new(big.Rat).SetInt(pow(2, 10)),
	"Mi": new(big.Rat).SetInt(pow(2, 20)),
	"Gi": new(big.Rat).SetInt(pow(2, 30)),
	"Ti": new(big.Rat).SetInt(pow(2, 40)),
	"Pi": new(big.Rat).SetInt(pow(2, 50)),
	"Ei": new(big.Rat).SetInt(pow(2, 60)),
}

func pow(base, exp int64) *big.Int {
	return new(big.Int).Exp(big.NewInt(base), big.NewInt(exp), nil)
}

// ParseQuantity parses a Kubernetes resource quantity: a non-negative
// decimal number ("1", "0.5", ".5") followed by nothing, a binary suffix
// (Ki Mi Gi Ti Pi Ei), a decimal suffix (n u m k M G T P E) or a decimal
// exponent ("2e3", "1E-2"). A leading '+' is allowed. It returns the exact value.
func ParseQuantity(s string) (*big.Rat, error) {
	if s == "" {
		return nil, fmt.Errorf("quantity: empty")
	}
	if len(s) > maxQuantityLen {
		return nil, fmt.Errorf("quantity %.20q...: longer than %d characters", s, maxQuantityLen)
	}
	t := s
	if t[0] == '+' {
		t = t[1:]
	} else if t[0] == '-' {
		return nil, fmt.Errorf("quantity %q: negative", s)
	}
	// The number: digits with at most one '.', at least one digit.
	i, digits, dots := 0, 0, 0
	for ; i < len(t); i++ {
		c := t[i]
		if c >= '0' && c <= '9' {
			digits++
		} else if c == '.' {
			dots++
		} else {
			break
		}
	}
	if digits == 0 || dots > 1 {
		return nil, fmt.Errorf("quantity %q: want a number with an optional suffix, e.g. 500m, 1, 256Mi, 1Gi, 2e3", s)
	}
	num, ok := new(big.Rat).SetString(t[:i])
	if !ok {
		return nil, fmt.Errorf("quantity %q: bad number %q", s, t[:i])
	}
	suffix := t[i:]
	if mult, ok := quantitySuffixes[suffix]; ok {
		return num.Mul(num, mult), nil
	}
	if suffix[0] == 'e' || suffix[0] == 'E' {
		exp, err := parseSmallInt(suffix[1:])
		if err != nil {
			return nil, fmt.Errorf("quantity %q: bad exponent %q", s, suffix)
		}
		if exp < -maxQuantityExp || exp > maxQuantityExp {
			return nil, fmt.Errorf("quantity %q: exponent out of range [-%d, %d]", s, maxQuantityExp, maxQuantityExp)
		}
		p := new(big.Rat).SetInt(pow(10, int64(abs(exp))))
		if exp < 0 {
			return num.Quo(num, p), nil
		}
		return num.Mul(num, p), nil
	}
	return nil, fmt.Errorf("quantity %q: unknown suffix %q (want one of Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or an exponent like e3)", s, suffix)
}

func parseSmallInt(s string) (int, error) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || len(s) > 3 {
		return 0, fmt.Errorf("bad integer")
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("bad integer")
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Value returns the quantity of resource name as a float64 (cores for cpu,
// bytes for memory); ok is false when it is not set.
func (r ResourceList) Value(name string) (v float64, ok bool, err error) {
	s, found := r[name]
	if !found {
		return 0, false, nil
	}
	q, err := ParseQuantity(s)
	if err != nil {
		return 0, true, err
	}
	f, _ := q.Float64()
	return f, true, nil
}

// UnmarshalJSON reads a resource list whose quantities are strings ("500m")
// or numbers (1, 0.5: YAML writes small quantities unquoted).
func (r *ResourceList) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("resource list: %w", err)
	}
	out := make(ResourceList, len(raw))
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		switch {
		case len(v) > 0 && v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("resource list: %s: %w", k, err)
			}
			out[k] = s
		case len(v) > 0 && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')):
			out[k] = strings.TrimPrefix(string(v), "+")
		default:
			return fmt.Errorf("resource list: %s: want a quantity (string or number), got %s", k, v)
		}
	}
	*r = out
	return nil
}
