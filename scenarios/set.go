package scenarios

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Set applies one override "key=value", as `etlbench run --set` gives it:
// key is a dotted path (duration, load.workers, matrix.comm,
// transformers[0].args) and value is YAML (10s, 3, [ws, hpush], true,
// {model: open, rate: 100}). The scenario is decoded and validated again;
// on error it is unchanged, and the error names the override.
func (s *Scenario) Set(kv string) error { return s.SetAll([]string{kv}) }

// SetAll applies several overrides and then validates once, so that
// overrides that only make sense together (load.model=open, load.rate=100)
// can be given one by one.
func (s *Scenario) SetAll(kvs []string) error {
	if len(kvs) == 0 {
		return nil
	}
	if s.root == nil {
		return &FieldError{File: "--set " + kvs[0], Msg: "the scenario was not loaded from a file"}
	}
	root := cloneNode(s.root)
	sets := s.Sets()
	for _, kv := range kvs {
		key, val, ok := strings.Cut(kv, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return &FieldError{File: "--set " + kv, Msg: "want key=value, e.g. duration=10s or matrix.comm=[ws]"}
		}
		steps, err := parsePath(key)
		if err != nil {
			return &FieldError{File: "--set " + kv, Field: key, Msg: err.Error()}
		}
		line := -(len(sets) + 1)
		vnode, err := valueNode(val, line)
		if err != nil {
			return &FieldError{File: "--set " + kv, Field: key, Msg: err.Error()}
		}
		if err := setPath(root, steps, key, vnode, line); err != nil {
			return &FieldError{File: "--set " + kv, Field: key, Msg: err.Error()}
		}
		sets = append(sets, kv)
	}
	ns, err := build(s.File, root, sets)
	if err != nil {
		return err
	}
	*s = *ns
	return nil
}

// step is one element of a --set path: a mapping key or a list index.
type step struct {
	key string
	idx int // >= 0 for a list index
}

var pathElem = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_-]*)((?:\[\d+\])*)$`)

func parsePath(key string) ([]step, error) {
	var out []step
	for _, part := range strings.Split(key, ".") {
		m := pathElem.FindStringSubmatch(part)
		if m == nil {
			return nil, fmt.Errorf("bad key %q: want a dotted path like matrix.comm or transformers[0].args", key)
		}
		out = append(out, step{key: m[1], idx: -1})
		for _, ix := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(m[2], "["), "]"), "][") {
			if ix == "" {
				continue
			}
			n, err := strconv.Atoi(ix)
			if err != nil {
				return nil, fmt.Errorf("bad index %q in %q", ix, key)
			}
			out = append(out, step{idx: n})
		}
	}
	return out, nil
}

// valueNode parses a --set value as YAML and marks its nodes with line.
func valueNode(val string, line int) (*yaml.Node, error) {
	var n *yaml.Node
	if strings.TrimSpace(val) == "" {
		n = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: ""}
	} else {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(val), &doc); err != nil {
			return nil, fmt.Errorf("bad value %q: %v", val, err)
		}
		if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
			return nil, fmt.Errorf("bad value %q", val)
		}
		n = doc.Content[0]
	}
	mark(n, line)
	return n, nil
}

func mark(n *yaml.Node, line int) {
	if n == nil {
		return
	}
	n.Line = line
	for _, c := range n.Content {
		mark(c, line)
	}
}

// setPath replaces (or adds) the value at steps in the document root.
func setPath(root *yaml.Node, steps []step, key string, val *yaml.Node, line int) error {
	cur := root
	if cur.Kind == yaml.DocumentNode {
		if len(cur.Content) == 0 {
			cur.Content = []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map", Line: line}}
		}
		cur = cur.Content[0]
	}
	for i, st := range steps {
		last := i == len(steps)-1
		if st.idx >= 0 {
			if cur.Kind != yaml.SequenceNode {
				return fmt.Errorf("%s is not a list", describeUpTo(steps, i))
			}
			if st.idx >= len(cur.Content) {
				return fmt.Errorf("%s has %d items, no [%d]", describeUpTo(steps, i), len(cur.Content), st.idx)
			}
			if last {
				cur.Content[st.idx] = val
				return nil
			}
			cur = resolve(cur.Content[st.idx])
			continue
		}
		if isNull(cur) {
			*cur = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: line}
		}
		if cur.Kind != yaml.MappingNode {
			return fmt.Errorf("%s is not a mapping", describeUpTo(steps, i))
		}
		var next *yaml.Node
		for j := 0; j+1 < len(cur.Content); j += 2 {
			if cur.Content[j].Value == st.key {
				if last {
					cur.Content[j+1] = val
					return nil
				}
				next = resolve(cur.Content[j+1])
				break
			}
		}
		if next == nil {
			k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: st.key, Line: line}
			if last {
				cur.Content = append(cur.Content, k, val)
				return nil
			}
			next = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: line}
			if steps[i+1].idx >= 0 {
				return fmt.Errorf("%s has no list to index", describeUpTo(steps, i+1))
			}
			cur.Content = append(cur.Content, k, next)
		}
		cur = next
	}
	return nil
}

func describeUpTo(steps []step, i int) string {
	var b strings.Builder
	for _, st := range steps[:i] {
		if st.idx >= 0 {
			fmt.Fprintf(&b, "[%d]", st.idx)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(st.key)
	}
	if b.Len() == 0 {
		return "the scenario"
	}
	return b.String()
}

// cloneNode deep-copies a node tree (aliases point into the copy when their
// anchors are inside it).
func cloneNode(n *yaml.Node) *yaml.Node {
	seen := map[*yaml.Node]*yaml.Node{}
	var cp func(*yaml.Node) *yaml.Node
	cp = func(n *yaml.Node) *yaml.Node {
		if n == nil {
			return nil
		}
		if c, ok := seen[n]; ok {
			return c
		}
		c := *n
		seen[n] = &c
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, x := range n.Content {
			c.Content[i] = cp(x)
		}
		c.Alias = cp(n.Alias)
		return &c
	}
	return cp(n)
}
