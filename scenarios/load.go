package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds a scenario file (they are small by nature).
const MaxFileSize = 1 << 20

// Load reads, decodes and validates the scenario file at path. It starts
// nothing; it reads only path and the spec files the scenario names.
func Load(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load scenario: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("load scenario %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, &FieldError{File: path, Msg: fmt.Sprintf("file is larger than %d bytes", MaxFileSize)}
	}
	return Parse(path, data)
}

// Parse decodes and validates a scenario from data; file names it in
// errors and is the base of relative spec paths.
func Parse(file string, data []byte) (*Scenario, error) {
	root, err := parseYAML(file, data)
	if err != nil {
		return nil, err
	}
	return build(file, root, nil)
}

// parseYAML reads exactly one YAML document.
func parseYAML(file string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &FieldError{File: file, Line: 1, Msg: "empty scenario file"}
		}
		return nil, syntaxError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &FieldError{File: file, Line: extra.Line, Msg: "more than one YAML document; a scenario file holds one"}
	} else if !errors.Is(err, io.EOF) {
		return nil, syntaxError(file, err)
	}
	return &root, nil
}

// yamlLine matches the position in a YAML parser error.
var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// syntaxError turns a YAML parser error ("yaml: line 3: ...") into a FieldError.
func syntaxError(file string, err error) error {
	msg := err.Error()
	fe := &FieldError{File: file}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		if m[1] != "" {
			fe.Line, _ = strconv.Atoi(m[1])
		}
		msg = msg[len(m[0]):]
	}
	fe.Msg = "bad YAML: " + msg
	return fe
}

// build decodes root into a new scenario, applies defaults and validates it.
func build(file string, root *yaml.Node, sets []string) (*Scenario, error) {
	d := &decoder{file: file, sets: sets, pos: map[string]int{}}
	s := &Scenario{File: file, root: root, sets: sets, dir: filepath.Dir(file)}
	d.decodeScenario(root, s)
	if err := d.errs.err(); err != nil {
		return nil, err
	}
	s.pos = d.pos
	v := &validator{d: d, s: s}
	v.defaults()
	v.validate()
	if err := d.errs.err(); err != nil {
		return nil, err
	}
	return s, nil
}

// Validate checks the scenario as it is now (after changes made in code)
// and returns every problem found, as Errors.
func (s *Scenario) Validate() error {
	pos := s.pos
	if pos == nil {
		pos = map[string]int{}
	}
	d := &decoder{file: s.File, sets: s.sets, pos: pos}
	v := &validator{d: d, s: s}
	v.defaults()
	v.validate()
	return d.errs.err()
}
