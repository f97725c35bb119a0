package etl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// MaxSpecBytes bounds the size of an init request body.
const MaxSpecBytes = 1 << 20

// ParseSpecs parses one or more specs from JSON or YAML and validates each.
// JSON may hold one object, an array of objects, or several objects in a
// row; YAML may hold several documents separated by "---" lines. Unknown
// fields are rejected with their path, and so is AIStore's old init-code
// form, which etlcore does not support. AIStore's pod-spec form (and a
// bare Pod manifest) is taken as spec_pod.go says. Specs are returned
// as given (see Normalize). Every error is a *SpecError.
func ParseSpecs(data []byte) ([]*Spec, error) {
	if len(data) > MaxSpecBytes {
		return nil, specErr("body", "", fmt.Sprintf("%d bytes, more than the %d allowed", len(data), MaxSpecBytes))
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, specErr("body", "", "empty: want a spec in JSON or YAML")
	}
	var specs []*Spec
	var err error
	if trimmed[0] == '{' || trimmed[0] == '[' {
		specs, err = parseJSONStream(trimmed)
		if err != nil {
			var se *SpecError
			// A YAML flow mapping also starts with '{': try it before giving up.
			if errors.As(err, &se) && se.Field == "body" && strings.HasPrefix(se.Rule, "malformed JSON") {
				if ys, yerr := parseYAMLDocs(data); yerr == nil {
					specs, err = ys, nil
				}
			}
		}
	} else {
		specs, err = parseYAMLDocs(data)
	}
	if err != nil {
		return nil, err
	}
	if len(specs) == 0 {
		return nil, specErr("body", "", "no spec in it (only comments or empty documents)")
	}
	seen := map[string]int{}
	for i, s := range specs {
		if j, dup := seen[s.Name]; dup {
			return nil, withDoc(specErr("name", s.Name, fmt.Sprintf("duplicate of document %d", j+1)), i, len(specs))
		}
		seen[s.Name] = i
	}
	return specs, nil
}

// ParseSpec parses exactly one spec (JSON or YAML) and validates it.
func ParseSpec(data []byte) (*Spec, error) {
	specs, err := ParseSpecs(data)
	if err != nil {
		return nil, err
	}
	if len(specs) != 1 {
		return nil, specErr("body", "", fmt.Sprintf("%d specs where exactly one was expected", len(specs)))
	}
	return specs[0], nil
}

func withDoc(err error, i, n int) error {
	var se *SpecError
	if n > 1 && errors.As(err, &se) && se.Doc == 0 {
		se.Doc = i + 1
	}
	return err
}

// parseJSONStream reads JSON values in a row; each is a spec object or an array of them.
func parseJSONStream(data []byte) ([]*Spec, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var specs []*Spec
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return specs, nil
		}
		if err != nil {
			return nil, jsonSyntaxErr(data, err, len(specs))
		}
		raw = bytes.TrimSpace(raw)
		if raw[0] == '[' {
			var items []json.RawMessage
			if err := json.Unmarshal(raw, &items); err != nil {
				return nil, specErr("body", "", "malformed JSON array: "+err.Error())
			}
			for _, it := range items {
				s, err := decodeSpecJSON(it)
				if err != nil {
					return nil, withDoc(err, len(specs), 2)
				}
				specs = append(specs, s)
			}
			continue
		}
		s, err := decodeSpecJSON(raw)
		if err != nil {
			return nil, withDoc(err, len(specs), 1+len(specs)+btoi(dec.More()))
		}
		specs = append(specs, s)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func jsonSyntaxErr(data []byte, err error, n int) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(data, se.Offset)
		return &SpecError{Doc: n + btoi(n > 0), Field: "body", Rule: fmt.Sprintf("malformed JSON at line %d, column %d: %v", line, col, err)}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &SpecError{Doc: n + btoi(n > 0), Field: "body", Rule: "malformed JSON: unexpected end of input"}
	}
	return &SpecError{Doc: n + btoi(n > 0), Field: "body", Rule: "malformed JSON: " + err.Error()}
}

func lineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col = 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// docSep matches a YAML document start line ("---", maybe followed by content).
var docSep = regexp.MustCompile(`^---(\s|$)`)

// dupKeyRe matches the YAML parser's duplicate-key message.
var dupKeyRe = regexp.MustCompile(`line (\d+): key "([^"]*)" already set in map`)

type yamlDoc struct {
	text      []byte
	startLine int
}

// splitYAML splits a YAML stream into its documents.
func splitYAML(data []byte) []yamlDoc {
	var docs []yamlDoc
	cur := yamlDoc{startLine: 1}
	lines := bytes.SplitAfter(data, []byte("\n"))
	for i, ln := range lines {
		t := bytes.TrimRight(ln, "\r\n")
		switch {
		case docSep.Match(t):
			docs = append(docs, cur)
			cur = yamlDoc{startLine: i + 1}
			rest := bytes.TrimSpace(t[3:])
			if len(rest) > 0 && rest[0] != '#' {
				cur.text = append(cur.text, rest...)
				cur.text = append(cur.text, '\n')
			}
		case bytes.Equal(bytes.TrimRight(t, " \t"), []byte("...")):
			// document end marker
		case bytes.HasPrefix(t, []byte("%")) && len(cur.text) == 0:
			// directive (%YAML 1.2)
		default:
			cur.text = append(cur.text, ln...)
		}
	}
	return append(docs, cur)
}

func parseYAMLDocs(data []byte) ([]*Spec, error) {
	docs := splitYAML(data)
	nonEmpty := 0
	for _, d := range docs {
		if !yamlBlank(d.text) {
			nonEmpty++
		}
	}
	var specs []*Spec
	for _, d := range docs {
		if yamlBlank(d.text) {
			continue
		}
		idx := len(specs)
		j, err := yaml.YAMLToJSONStrict(d.text)
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
			var e *SpecError
			if m := dupKeyRe.FindStringSubmatch(msg); m != nil {
				e = specErr(m[2], "", fmt.Sprintf("duplicate key (line %s of the document starting at line %d)", m[1], d.startLine))
			} else {
				e = specErr("body", "", fmt.Sprintf("malformed YAML (document starting at line %d): %s", d.startLine, msg))
			}
			return nil, withDoc(e, idx, nonEmpty)
		}
		j = bytes.TrimSpace(j)
		if bytes.Equal(j, []byte("null")) {
			continue
		}
		s, err := decodeSpecJSON(j)
		if err != nil {
			return nil, withDoc(err, idx, nonEmpty)
		}
		specs = append(specs, s)
	}
	return specs, nil
}

// yamlBlank reports whether a document holds only blank lines and comments.
func yamlBlank(b []byte) bool {
	for _, ln := range bytes.Split(b, []byte("\n")) {
		t := bytes.TrimSpace(ln)
		if len(t) > 0 && t[0] != '#' {
			return false
		}
	}
	return true
}

// legacy maps top-level keys of AIStore's older init messages to what they are.
var legacy = map[string]string{
	"code":         "the init-code form (AIStore InitCodeMsg)",
	"funcs":        "the init-code form (AIStore InitCodeMsg)",
	"dependencies": "the init-code form (AIStore InitCodeMsg)",
	"chunk_size":   "the init-code form (AIStore InitCodeMsg)",
	"timeout":      "the old init form (use init_timeout and obj_timeout)",
}

const runtimeForm = "; send the runtime form instead: {name, runtime: {image, command, env}, communication, init_timeout, obj_timeout, support_direct_put, env, resources}, or the pod-spec form {name, spec: <Pod manifest>, ...}"

// decodeSpecJSON decodes one spec object strictly and validates it.
func decodeSpecJSON(raw []byte) (*Spec, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil || top == nil {
		return nil, specErr("body", "", "must be a JSON/YAML object (mapping) with the spec's fields")
	}
	for _, k := range []string{"code", "funcs", "dependencies", "chunk_size", "timeout"} {
		if _, ok := top[k]; ok {
			return nil, specErr(k, "", "not supported: "+legacy[k]+runtimeForm)
		}
	}
	if isPodForm(top) {
		return decodePodForm(raw, top)
	}
	if rt, ok := top["runtime"]; ok {
		if t := bytes.TrimSpace(rt); len(t) > 0 && t[0] == '"' {
			return nil, specErr("runtime", "", "not supported: a runtime name is the init-code form (AIStore InitCodeMsg)"+runtimeForm)
		}
	}
	if _, ok := top["id"]; ok {
		if _, hasName := top["name"]; !hasName {
			return nil, specErr("id", "", "not supported: the old init form names the ETL by \"id\"; use \"name\""+runtimeForm)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := walk(dec, specSchema, ""); err != nil {
		return nil, err
	}
	var s Spec
	dec = json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field != "" {
			return nil, specErr(ute.Field, "", "must be a "+ute.Type.String()+", got a JSON "+ute.Value)
		}
		return nil, specErr("body", "", err.Error())
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}
