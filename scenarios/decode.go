package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/etlbench/etlbench/etlcore/embedded"
	"github.com/etlbench/etlbench/internal/strict"
	"go.yaml.in/yaml/v3"
)

// decoder walks a YAML node tree into a Scenario, recording the line of
// every field it sees and collecting every problem with its position.
type decoder struct {
	file string
	sets []string
	pos  map[string]int
	errs errList
}

// where turns a node line into a file and a line: lines of --set values
// are negative, -(k+1) naming sets[k].
func (d *decoder) where(line int) (string, int) {
	if line < 0 {
		k := -line - 1
		if k < len(d.sets) {
			return "--set " + d.sets[k], 0
		}
		return "--set", 0
	}
	return d.file, line
}

func (d *decoder) errAt(line int, path, format string, a ...any) {
	f, l := d.where(line)
	d.errs.add(&FieldError{File: f, Line: l, Field: path, Msg: fmt.Sprintf(format, a...)})
}

func (d *decoder) errf(n *yaml.Node, path, format string, a ...any) {
	d.errAt(n.Line, path, format, a...)
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// field is one known key of a mapping and how to decode its value.
type field struct {
	name string
	fn   func(n *yaml.Node, path string)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// mapping decodes the keys of n with fields; unknown and repeated keys are errors.
func (d *decoder) mapping(n *yaml.Node, path string, fields []field) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errf(n, path, "want a mapping of fields, got %s", kindName(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		key := k.Value
		p := strict.Join(path, key)
		if k.Kind != yaml.ScalarNode {
			d.errf(k, path, "keys must be plain names")
			continue
		}
		if prev, dup := seen[key]; dup {
			d.errf(k, p, "repeated field (first at line %d)", prev)
			continue
		}
		seen[key] = k.Line
		var fn func(*yaml.Node, string)
		for _, f := range fields {
			if f.name == key {
				fn = f.fn
				break
			}
		}
		if fn == nil {
			names := make([]string, len(fields))
			for j, f := range fields {
				names[j] = f.name
			}
			d.errf(k, p, "%s", strict.UnknownField(key, names))
			continue
		}
		d.pos[p] = k.Line
		if v.Line < 0 {
			d.pos[p] = v.Line // the value comes from --set
		}
		if isNull(resolve(v)) {
			continue
		}
		fn(resolve(v), p)
	}
}

// list decodes a sequence item by item; a single scalar counts as a list of one.
func (d *decoder) list(n *yaml.Node, path string, item func(n *yaml.Node, path string)) {
	switch n.Kind {
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			d.errf(n, path, "empty list")
			return
		}
		for i, c := range n.Content {
			c = resolve(c)
			p := strict.Index(path, i)
			d.pos[p] = c.Line
			item(c, p)
		}
	case yaml.ScalarNode:
		d.pos[strict.Index(path, 0)] = n.Line
		item(n, strict.Index(path, 0))
	default:
		d.errf(n, path, "want a list, got %s", kindName(n))
	}
}

func (d *decoder) scalar(n *yaml.Node, path, want string) bool {
	if n.Kind != yaml.ScalarNode {
		d.errf(n, path, "want %s, got %s", want, kindName(n))
		return false
	}
	if isNull(n) {
		d.errf(n, path, "want %s, got nothing", want)
		return false
	}
	return true
}

func (d *decoder) str(n *yaml.Node, path string, dst *string) {
	if d.scalar(n, path, "a string") {
		*dst = n.Value
	}
}

func (d *decoder) int64v(n *yaml.Node, path string) (int64, bool) {
	if !d.scalar(n, path, "an integer") {
		return 0, false
	}
	if n.ShortTag() != "!!int" {
		d.errf(n, path, "want an integer, got %q", n.Value)
		return 0, false
	}
	var v int64
	if err := n.Decode(&v); err != nil {
		d.errf(n, path, "bad integer %q: out of range", n.Value)
		return 0, false
	}
	return v, true
}

func (d *decoder) int64f(n *yaml.Node, path string, dst *int64) {
	if v, ok := d.int64v(n, path); ok {
		*dst = v
	}
}

func (d *decoder) intf(n *yaml.Node, path string, dst *int) {
	if v, ok := d.int64v(n, path); ok {
		if v > math.MaxInt32 || v < math.MinInt32 {
			d.errf(n, path, "integer %d is out of range", v)
			return
		}
		*dst = int(v)
	}
}

func (d *decoder) floatf(n *yaml.Node, path string, dst *float64) {
	if !d.scalar(n, path, "a number") {
		return
	}
	if t := n.ShortTag(); t != "!!int" && t != "!!float" {
		d.errf(n, path, "want a number, got %q", n.Value)
		return
	}
	var v float64
	if err := n.Decode(&v); err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		d.errf(n, path, "bad number %q", n.Value)
		return
	}
	*dst = v
}

func (d *decoder) boolf(n *yaml.Node, path string, dst *bool) {
	if !d.scalar(n, path, "true or false") {
		return
	}
	if n.ShortTag() != "!!bool" {
		d.errf(n, path, "want true or false, got %q", n.Value)
		return
	}
	b, err := strconv.ParseBool(strings.ToLower(n.Value))
	if err != nil {
		d.errf(n, path, "want true or false, got %q", n.Value)
		return
	}
	*dst = b
}

func (d *decoder) durationf(n *yaml.Node, path string, dst *time.Duration) {
	if !d.scalar(n, path, "a duration") {
		return
	}
	if n.Value == "0" {
		*dst = 0
		return
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		d.errf(n, path, "bad duration %q: want a number with a unit, like 500ms, 10s or 2m", n.Value)
		return
	}
	*dst = v
}

func (d *decoder) sizef(n *yaml.Node, path string, dst *Size) {
	parsedf(d, n, path, "a size", ParseSize, dst)
}

// parsedf reads a scalar with parse, whose error is the message; want
// names the value when the node is not a scalar ("a size").
func parsedf[T any](d *decoder, n *yaml.Node, path, want string, parse func(string) (T, error), dst *T) {
	if !d.scalar(n, path, want) {
		return
	}
	v, err := parse(n.Value)
	if err != nil {
		d.errf(n, path, "%v", err)
		return
	}
	*dst = v
}

// decodeScenario fills s from the document root.
func (d *decoder) decodeScenario(root *yaml.Node, s *Scenario) {
	doc := root
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			d.errAt(1, "", "empty scenario")
			return
		}
		doc = doc.Content[0]
	}
	doc = resolve(doc)
	d.pos[""] = doc.Line
	if doc.Kind != yaml.MappingNode {
		d.errf(doc, "", "a scenario is a mapping of fields (name, dataset, matrix, ...), got %s", kindName(doc))
		return
	}
	d.mapping(doc, "", []field{
		{"name", func(n *yaml.Node, p string) { d.str(n, p, &s.Name) }},
		{"description", func(n *yaml.Node, p string) { d.str(n, p, &s.Description) }},
		{"seed", func(n *yaml.Node, p string) { d.int64f(n, p, &s.Seed) }},
		{"cluster", func(n *yaml.Node, p string) { d.cluster(n, p, &s.Cluster) }},
		{"dataset", func(n *yaml.Node, p string) { d.dataset(n, p, &s.Dataset) }},
		{"transformers", listOf(d, &s.Transformers, d.transformer)},
		{"matrix", func(n *yaml.Node, p string) { d.matrix(n, p, &s.Matrix) }},
		{"load", func(n *yaml.Node, p string) { d.load(n, p, &s.Load) }},
		{"repeats", func(n *yaml.Node, p string) { d.intf(n, p, &s.Repeats) }},
		{"warmup", func(n *yaml.Node, p string) { d.durationf(n, p, &s.Warmup) }},
		{"duration", func(n *yaml.Node, p string) { d.durationf(n, p, &s.Duration) }},
	})
}

func (d *decoder) cluster(n *yaml.Node, path string, c *Cluster) {
	d.mapping(n, path, []field{
		{"kind", func(n *yaml.Node, p string) { d.str(n, p, &c.Kind) }},
		{"targets", func(n *yaml.Node, p string) { d.intf(n, p, &c.Targets) }},
		{"proxies", func(n *yaml.Node, p string) { d.intf(n, p, &c.Proxies) }},
		{"mountpaths", func(n *yaml.Node, p string) { d.intf(n, p, &c.Mountpaths) }},
		{"network", func(n *yaml.Node, p string) { d.network(n, p, &c.Network) }},
	})
}

func (d *decoder) network(n *yaml.Node, path string, ns *embedded.NetSpec) {
	d.mapping(n, path, []field{
		{"mode", func(n *yaml.Node, p string) { d.str(n, p, &ns.Mode) }},
		{"node_link", func(n *yaml.Node, p string) { d.link(n, p, &ns.NodeLink) }},
		{"client_link", func(n *yaml.Node, p string) { d.link(n, p, &ns.ClientLink) }},
	})
}

// link reads a link shape: {rate: 1Gbit, delay: 1ms, jitter: 100us, loss: 0.1%}.
func (d *decoder) link(n *yaml.Node, path string, l *embedded.LinkShape) {
	d.mapping(n, path, []field{
		{"rate", func(n *yaml.Node, p string) { parsedf(d, n, p, "a rate", embedded.ParseRate, &l.Rate) }},
		{"delay", func(n *yaml.Node, p string) { d.durationf(n, p, &l.Delay) }},
		{"jitter", func(n *yaml.Node, p string) { d.durationf(n, p, &l.Jitter) }},
		{"loss", func(n *yaml.Node, p string) { parsedf(d, n, p, "a percentage", embedded.ParseLoss, &l.Loss) }},
	})
}

func (d *decoder) dataset(n *yaml.Node, path string, ds *Dataset) {
	d.mapping(n, path, []field{
		{"objects", func(n *yaml.Node, p string) { d.intf(n, p, &ds.Objects) }},
		{"sizes", listOf(d, &ds.Sizes, d.sizef)},
		{"min_size", func(n *yaml.Node, p string) { d.sizef(n, p, &ds.MinSize) }},
		{"max_size", func(n *yaml.Node, p string) { d.sizef(n, p, &ds.MaxSize) }},
		{"content", func(n *yaml.Node, p string) { d.str(n, p, &ds.Content) }},
		{"bucket", func(n *yaml.Node, p string) { d.str(n, p, &ds.Bucket) }},
	})
}

func (d *decoder) transformer(n *yaml.Node, path string, t *Transformer) {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		// A bare name: a built-in with no arguments.
		t.Name = n.Value
		d.pos[strict.Join(path, "name")] = n.Line
		return
	}
	d.mapping(n, path, []field{
		{"name", func(n *yaml.Node, p string) { d.str(n, p, &t.Name) }},
		{"builtin", func(n *yaml.Node, p string) { d.str(n, p, &t.Builtin) }},
		{"args", func(n *yaml.Node, p string) { d.str(n, p, &t.Args) }},
		{"content", func(n *yaml.Node, p string) { d.str(n, p, &t.Content) }},
		{"spec", func(n *yaml.Node, p string) { d.str(n, p, &t.Spec) }},
		{"init_timeout", func(n *yaml.Node, p string) { d.durationf(n, p, &t.InitTimeout) }},
		{"obj_timeout", func(n *yaml.Node, p string) { d.durationf(n, p, &t.ObjTimeout) }},
	})
}

// listOf decodes a sequence into *dst, each item by one (d.str, d.intf ...).
func listOf[T any](d *decoder, dst *[]T, one func(*yaml.Node, string, *T)) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		d.list(n, p, func(n *yaml.Node, p string) {
			var v T
			one(n, p, &v)
			*dst = append(*dst, v)
		})
	}
}

func (d *decoder) matrix(n *yaml.Node, path string, m *Matrix) {
	d.mapping(n, path, []field{
		{"cluster", listOf(d, &m.Cluster, d.str)},
		{"comm", listOf(d, &m.Comm, d.str)},
		{"direct_put", listOf(d, &m.DirectPut, d.boolf)},
		{"size", listOf(d, &m.Size, d.sizef)},
		{"transformer", listOf(d, &m.Transformer, d.str)},
		{"op", listOf(d, &m.Op, d.str)},
		{"model", listOf(d, &m.Model, d.str)},
		{"workers", listOf(d, &m.Workers, d.intf)},
		{"rate", listOf(d, &m.Rate, d.floatf)},
	})
}

func (d *decoder) load(n *yaml.Node, path string, l *LoadSpec) {
	d.mapping(n, path, []field{
		{"model", func(n *yaml.Node, p string) { d.str(n, p, &l.Model) }},
		{"workers", func(n *yaml.Node, p string) { d.intf(n, p, &l.Workers) }},
		{"rate", func(n *yaml.Node, p string) { d.floatf(n, p, &l.Rate) }},
		{"pctput", func(n *yaml.Node, p string) { d.intf(n, p, &l.PctPut) }},
	})
}
