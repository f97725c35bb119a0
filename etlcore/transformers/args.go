package transformers

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// args is a parsed etl_args list of the form "k1=v1,k2,k3=v3": keys map to
// their values; a bare key (a flag) maps to "".
type args struct {
	name string // the transformer, for error messages
	kv   map[string]string
}

// parseArgs parses s, a comma-separated list of key=value items and bare
// flags, for transformer name. keys gives the known keys: true if the key
// takes a value, false if it is a bare flag. Empty items are ignored;
// unknown keys, duplicates, a flag given a value and a key missing its value
// are errors naming the key.
func parseArgs(name, s string, keys map[string]bool) (args, error) {
	a := args{name: name, kv: map[string]string{}}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, hasValue := strings.Cut(item, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		takesValue, known := keys[k]
		switch {
		case !known:
			return a, argError(name, k, "unknown arg (known: %s)", knownKeys(keys))
		case takesValue && !hasValue:
			return a, argError(name, k, "needs a value (%s=...)", k)
		case takesValue && v == "":
			return a, argError(name, k, "empty value")
		case !takesValue && hasValue:
			return a, argError(name, k, "is a flag and takes no value")
		}
		if _, dup := a.kv[k]; dup {
			return a, argError(name, k, "given twice")
		}
		a.kv[k] = v
	}
	return a, nil
}

func knownKeys(keys map[string]bool) string {
	names := make([]string, 0, len(keys))
	for k, takesValue := range keys {
		if takesValue {
			k += "=..."
		}
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// has reports whether key k was given.
func (a args) has(k string) bool {
	_, ok := a.kv[k]
	return ok
}

// intIn returns the integer value of k, def if k was not given, and an
// error naming k if it is not an integer in min..max.
func (a args) intIn(k string, def, lo, hi int) (int, error) {
	v, ok := a.kv[k]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, argError(a.name, k, "%q is not an integer", v)
	}
	if n < lo || n > hi {
		return 0, argError(a.name, k, "%d is out of range %d..%d", n, lo, hi)
	}
	return n, nil
}

// duration returns the duration value of k (Go syntax: 20ms, 3s), 0 if k
// was not given.
func (a args) duration(k string) (time.Duration, error) {
	v, ok := a.kv[k]
	if !ok {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, argError(a.name, k, "%q is not a duration (e.g. 20ms, 3s)", v)
	}
	if d < 0 {
		return 0, argError(a.name, k, "%s is negative", v)
	}
	return d, nil
}

// oneOf returns the value of k, def if not given, and an error naming k if
// it is not one of choices.
func (a args) oneOf(k, def string, choices ...string) (string, error) {
	v, ok := a.kv[k]
	if !ok {
		return def, nil
	}
	for _, c := range choices {
		if v == c {
			return v, nil
		}
	}
	return "", argError(a.name, k, "%q is not one of %s", v, strings.Join(choices, ", "))
}
