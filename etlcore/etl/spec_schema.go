package etl

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/etlbench/etlbench/internal/strict"
)

// The schema of the spec's JSON form: used to reject unknown fields,
// duplicate keys and wrongly typed values with the path of the field
// (encoding/json reports neither paths of unknown fields nor duplicates).

type kind int

const (
	kAny      kind = iota // anything (skipped)
	kString               // a JSON string
	kBool                 // true or false
	kDuration             // "45s" or a number of seconds
	kQuantity             // "500m" or a number
	kObject               // fixed fields
	kMap                  // any keys, values of elem
	kArray                // values of elem
)

type schema struct {
	kind   kind
	fields map[string]*schema // kObject
	elem   *schema            // kMap, kArray
}

var (
	sString    = &schema{kind: kString}
	sEnvList   = &schema{kind: kArray, elem: &schema{kind: kObject, fields: map[string]*schema{"name": sString, "value": sString}}}
	specSchema = &schema{kind: kObject, fields: map[string]*schema{
		"name":               sString,
		"communication":      sString,
		"argument":           sString,
		"init_timeout":       {kind: kDuration},
		"obj_timeout":        {kind: kDuration},
		"support_direct_put": {kind: kBool},
		"env":                sEnvList,
		"runtime": {kind: kObject, fields: map[string]*schema{
			"image":   sString,
			"command": {kind: kArray, elem: sString},
			"env":     sEnvList,
		}},
		"resources": {kind: kObject, fields: map[string]*schema{
			"requests": {kind: kMap, elem: &schema{kind: kQuantity}},
			"limits":   {kind: kMap, elem: &schema{kind: kQuantity}},
			"claims":   {kind: kArray, elem: &schema{kind: kAny}},
		}},
	}}
)

func (k kind) String() string {
	switch k {
	case kString:
		return "a string"
	case kBool:
		return "true or false"
	case kDuration:
		return `a duration ("45s", "5m") or a number of seconds`
	case kQuantity:
		return `a quantity (e.g. "500m", "256Mi", 1)`
	case kObject, kMap:
		return "an object (mapping)"
	case kArray:
		return "a list"
	}
	return "a value"
}

func tokKind(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			return "an object"
		}
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "a value"
}

// walk reads one value from dec and checks it against sc; path names it.
func walk(dec *json.Decoder, sc *schema, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return specErr(orBody(path), "", "malformed: "+err.Error())
	}
	if tok == nil { // null: the zero value
		return nil
	}
	switch sc.kind {
	case kAny:
		return skip(dec, tok)
	case kString:
		if _, ok := tok.(string); !ok {
			return mismatch(sc, tok, path)
		}
	case kBool:
		if _, ok := tok.(bool); !ok {
			return mismatch(sc, tok, path)
		}
	case kDuration, kQuantity:
		return checkScalar(sc, tok, path)
	case kObject, kMap:
		return walkObject(dec, sc, tok, path)
	case kArray:
		return walkArray(dec, sc, tok, path)
	}
	return nil
}

// mismatch is the error of a value tok at path that is not of sc's kind.
func mismatch(sc *schema, tok json.Token, path string) error {
	return specErr(orBody(path), "", "must be "+sc.kind.String()+", got "+tokKind(tok))
}

// checkScalar checks a duration or quantity, given as a string or a number.
func checkScalar(sc *schema, tok json.Token, path string) error {
	s, ok := scalarText(tok)
	if !ok {
		return mismatch(sc, tok, path)
	}
	if sc.kind == kDuration {
		if _, err := ParseDuration(s); err != nil {
			return specErr(path, s, "bad duration: "+strings.TrimPrefix(err.Error(), fmt.Sprintf("duration %q: ", s)))
		}
		return nil
	}
	if _, err := ParseQuantity(s); err != nil {
		return specErr(path, s, "bad quantity: want e.g. 500m, 1, 256Mi, 1Gi, 2e3 ("+err.Error()+")")
	}
	return nil
}

// walkObject checks an object (known fields) or a map (any keys, one
// element schema) whose first token is tok: no key twice.
func walkObject(dec *json.Decoder, sc *schema, tok json.Token, path string) error {
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return mismatch(sc, tok, path)
	}
	seen := map[string]bool{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return specErr(orBody(path), "", "malformed: "+err.Error())
		}
		key, _ := kt.(string)
		field := strict.Join(path, key)
		if seen[key] {
			return specErr(field, "", "duplicate key")
		}
		seen[key] = true
		child := sc.elem
		if sc.kind == kObject {
			child = sc.fields[key]
			if child == nil {
				return specErr(field, "", strict.UnknownField(key, slices.Sorted(maps.Keys(sc.fields))))
			}
		}
		if err := walk(dec, child, field); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return specErr(orBody(path), "", "malformed: "+err.Error())
	}
	return nil
}

// walkArray checks a list whose first token is tok.
func walkArray(dec *json.Decoder, sc *schema, tok json.Token, path string) error {
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return mismatch(sc, tok, path)
	}
	for i := 0; dec.More(); i++ {
		if err := walk(dec, sc.elem, strict.Index(path, i)); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // ']'
		return specErr(orBody(path), "", "malformed: "+err.Error())
	}
	return nil
}

func orBody(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

// skip consumes the rest of a value whose first token is tok.
func skip(dec *json.Decoder, tok json.Token) error {
	d, ok := tok.(json.Delim)
	if !ok || (d != '{' && d != '[') {
		return nil
	}
	depth := 1
	for depth > 0 {
		t, err := dec.Token()
		if err != nil {
			return specErr("body", "", "malformed: "+err.Error())
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// scalarText is a string or number token as text: durations and quantities
// may be written either way.
func scalarText(tok json.Token) (string, bool) {
	switch v := tok.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	}
	return "", false
}
