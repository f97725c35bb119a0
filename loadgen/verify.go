package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/etlbench/etlbench/etlcore/etl"
	"github.com/etlbench/etlbench/etlcore/transformer"
	"github.com/etlbench/etlbench/etlcore/transformers"
)

// builtinImagePrefix is the image name prefix of the built-in transformers.
const builtinImagePrefix = "etlbench/transformer-"

// VerifyFunc returns the local computation of the built-in transformer
// named transformer with args, for --verify: given an object's bytes it
// returns what the transformer must answer (nil when the transform itself
// fails on that input). ok is false when the transformer is not a built-in
// one. The fault transformer is verified as echo (its faults are errors,
// classified as such, not output).
func VerifyFunc(transformer, args string) (func(in []byte) []byte, bool) {
	f, ok := verifier(transformer, args)
	if !ok {
		return nil, false
	}
	return func(in []byte) []byte {
		out, err := f(in)
		if err != nil {
			return nil
		}
		return out
	}, true
}

// verifier is VerifyFunc with the transform's error.
func verifier(name, args string) (func(in []byte) ([]byte, error), bool) {
	if name == "fault" {
		name, args = "echo", ""
	}
	fn, err := transformers.Lookup(name)
	if err != nil {
		return nil, false
	}
	return func(in []byte) ([]byte, error) {
		var out bytes.Buffer
		req := transformer.Request{Path: "verify", Args: args}
		if err := fn(context.Background(), req, bytes.NewReader(in), &out); err != nil {
			return nil, fmt.Errorf("local %s: %w", name, err)
		}
		return out.Bytes(), nil
	}, true
}

// isBuiltin reports whether name is a built-in transformer.
func isBuiltin(name string) bool {
	_, err := transformers.Lookup(name)
	return err == nil
}

// builtinNames lists the built-in transformers.
func builtinNames() string { return strings.Join(transformers.Names(), ", ") }

// specInfo is what the loader reads from an init spec.
type specInfo struct {
	Name             string `json:"name"`
	Communication    string `json:"communication"`
	SupportDirectPut bool   `json:"support_direct_put"`
	Runtime          struct {
		Image string `json:"image"`
	} `json:"runtime"`
}

// ParseSpecInfo reads the name, communication, direct-put switch and image
// of an init spec (JSON or YAML; the first document of a multi-document
// YAML file).
func ParseSpecInfo(spec []byte) (name, comm, transformer string, directPut bool, err error) {
	doc := spec
	if i := bytes.Index(doc, []byte("\n---")); i >= 0 {
		doc = doc[:i]
	}
	js, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return "", "", "", false, fmt.Errorf("ETL spec: %w", err)
	}
	var si specInfo
	if err := json.Unmarshal(js, &si); err != nil {
		return "", "", "", false, fmt.Errorf("ETL spec: %w", err)
	}
	if si.Name == "" {
		// AIStore's Pod-spec form (what aisloader's -etl-spec takes): the
		// name and the rest come from the Pod's metadata and annotations.
		sp, perr := etl.ParseSpec(spec)
		if perr != nil || sp.Name == "" {
			return "", "", "", false, fmt.Errorf("ETL spec: no name")
		}
		return sp.Name, strings.TrimSuffix(sp.Communication, "://"), "", sp.SupportDirectPut, nil
	}
	tr := ""
	if strings.HasPrefix(si.Runtime.Image, builtinImagePrefix) {
		tr = strings.TrimPrefix(si.Runtime.Image, builtinImagePrefix)
		if i := strings.IndexByte(tr, ':'); i >= 0 {
			tr = tr[:i]
		}
	}
	return si.Name, strings.TrimSuffix(si.Communication, "://"), tr, si.SupportDirectPut, nil
}
