package cluster

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxTemplateNames bounds how many names a range template may expand to.
const MaxTemplateNames = 10_000_000

// ExpandTemplate expands a bash-style range template such as
// "shard-{0000..0999}.tar" or "a-{0..100..10}/b-{1..3}" (zero padding is
// kept from the start bound) and calls fn for every name, in order.
func ExpandTemplate(tmpl string, fn func(name string) error) error {
	type rng struct {
		prefix          string
		start, end, stp int
		width           int
		count           int // names in the range
	}
	var ranges []rng
	rest := tmpl
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return fmt.Errorf("template %q: '{' without '}'", tmpl)
		}
		body := rest[i+1 : i+j]
		parts := strings.Split(body, "..")
		if len(parts) < 2 || len(parts) > 3 {
			return fmt.Errorf("template %q: range {%s} must be {start..end} or {start..end..step}", tmpl, body)
		}
		start, err1 := strconv.Atoi(parts[0])
		end, err2 := strconv.Atoi(parts[1])
		step := 1
		var err3 error
		if len(parts) == 3 {
			step, err3 = strconv.Atoi(parts[2])
		}
		if err1 != nil || err2 != nil || err3 != nil || start < 0 || end < start || step <= 0 {
			return fmt.Errorf("template %q: range {%s} needs non-negative integers with start <= end and step > 0", tmpl, body)
		}
		width := 0
		if len(parts[0]) > 1 && parts[0][0] == '0' {
			width = len(parts[0])
		}
		ranges = append(ranges, rng{prefix: rest[:i], start: start, end: end, stp: step, width: width})
		rest = rest[i+j+1:]
	}
	if len(ranges) == 0 {
		return fmt.Errorf("template %q has no {start..end} range", tmpl)
	}
	total := 1
	for k := range ranges {
		r := &ranges[k]
		// (end-start)/stp cannot overflow; check before +1 and before
		// multiplying so that no count wraps around.
		n := (r.end - r.start) / r.stp
		if n >= MaxTemplateNames || total > MaxTemplateNames/(n+1) {
			return fmt.Errorf("template %q expands to more than %d names", tmpl, MaxTemplateNames)
		}
		r.count = n + 1
		total *= r.count
	}
	suffix := rest
	var walk func(k int, acc string) error
	walk = func(k int, acc string) error {
		if k == len(ranges) {
			return fn(acc + suffix)
		}
		r := ranges[k]
		for i := 0; i < r.count; i++ {
			s := strconv.Itoa(r.start + i*r.stp) // <= end: no overflow
			if len(s) < r.width {
				s = strings.Repeat("0", r.width-len(s)) + s
			}
			if err := walk(k+1, acc+r.prefix+s); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(0, "")
}
