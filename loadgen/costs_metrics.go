package loadgen

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// promSample is one line of a Prometheus text exposition.
type promSample struct {
	name   string
	labels map[string]string
	value  float64
}

// parseProm reads the samples of a Prometheus text exposition whose names
// start with prefix; other names are skipped, and so are comments except
// those that say a metric is not available (returned as notes).
func parseProm(r io.Reader, prefix string) (out []promSample, notes []string, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if c, ok := strings.CutPrefix(line, "# "); ok && strings.HasPrefix(c, prefix) && strings.Contains(c, "not available") {
			notes = append(notes, c)
			continue
		}
		if line == "" || line[0] == '#' || !strings.HasPrefix(line, prefix) {
			continue
		}
		s, err := parsePromLine(line)
		if err != nil {
			return out, notes, err
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return out, notes, fmt.Errorf("read metrics: %w", err)
	}
	return out, notes, nil
}

// parsePromLine parses `name{k="v",...} value`.
func parsePromLine(line string) (promSample, error) {
	s := promSample{labels: map[string]string{}}
	rest := line
	if i := strings.IndexAny(rest, "{ "); i < 0 {
		return s, fmt.Errorf("metrics line %q: no value", line)
	} else {
		s.name, rest = rest[:i], rest[i:]
	}
	if strings.HasPrefix(rest, "{") {
		rest = rest[1:]
		for {
			rest = strings.TrimLeft(rest, ", ")
			if strings.HasPrefix(rest, "}") {
				rest = rest[1:]
				break
			}
			eq := strings.IndexByte(rest, '=')
			if eq <= 0 || eq+1 >= len(rest) || rest[eq+1] != '"' {
				return s, fmt.Errorf("metrics line %q: bad labels", line)
			}
			key := rest[:eq]
			q, err := strconv.QuotedPrefix(rest[eq+1:])
			if err != nil {
				return s, fmt.Errorf("metrics line %q: label %s: %w", line, key, err)
			}
			v, _ := strconv.Unquote(q)
			s.labels[key] = v
			rest = rest[eq+1+len(q):]
		}
	}
	f := strings.Fields(rest)
	if len(f) == 0 {
		return s, fmt.Errorf("metrics line %q: no value", line)
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return s, fmt.Errorf("metrics line %q: value: %w", line, err)
	}
	s.value = v
	return s, nil
}
