package etl

import (
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// SpecError is every rejection of a spec: which field, which rule.
type SpecError struct {
	// Doc is the 1-based document of a multi-document input (0: single).
	Doc int
	// Field names the field, e.g. "name", "runtime.env[1].name", or "body"
	// for the input as a whole.
	Field string
	// Value is the offending value (quoted in the message when not empty).
	Value string
	// Rule says what is wrong or required.
	Rule string
}

func (e *SpecError) Error() string {
	var b strings.Builder
	b.WriteString("spec")
	if e.Doc > 0 {
		fmt.Fprintf(&b, " (document %d)", e.Doc)
	}
	b.WriteString(": ")
	b.WriteString(e.Field)
	if e.Value != "" {
		v := e.Value
		if len(v) > 80 {
			v = v[:80] + "..."
		}
		b.WriteString(" ")
		b.WriteString(strconv.Quote(v))
	}
	b.WriteString(": ")
	b.WriteString(e.Rule)
	return b.String()
}

func specErr(field, value, rule string) *SpecError {
	return &SpecError{Field: field, Value: value, Rule: rule}
}

// Limits of a spec.
const (
	NameMinLen = 6
	NameMaxLen = 32
	// MaxObjTimeout is the longest obj_timeout (one object).
	MaxObjTimeout = time.Hour
	// MaxInitTimeout is the longest init_timeout.
	MaxInitTimeout = 24 * time.Hour
	maxEnvVars     = 1024
	maxCommandArgs = 4096
	maxStringLen   = 64 << 10
)

var (
	nameRe     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	envNameRe  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)
	resourceRe = regexp.MustCompile(`^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
)

const nameRule = "must be 6..32 characters of [a-z0-9-] starting and ending with [a-z0-9]"

// ValidateName checks the ETL name rule.
func ValidateName(name string) error {
	if name == "" {
		return specErr("name", "", "required; "+nameRule)
	}
	if len(name) < NameMinLen || len(name) > NameMaxLen || !nameRe.MatchString(name) {
		return specErr("name", name, nameRule)
	}
	return nil
}

// CanonicalComm returns the canonical communication mode of s: "hpush://",
// "hpull://" or "ws://"; the bare forms "hpush", "hpull", "ws" are accepted
// and "" means "hpush://".
func CanonicalComm(s string) (string, error) {
	switch s {
	case "", "hpush", api.CommHPUSH:
		return api.CommHPUSH, nil
	case "hpull", api.CommHPULL:
		return api.CommHPULL, nil
	case "ws", api.CommWS:
		return api.CommWS, nil
	case "io", "io://":
		return "", specErr("communication", s, "io:// (stdin/stdout) is not supported; want one of hpush://, hpull://, ws:// (or hpush, hpull, ws)")
	}
	return "", specErr("communication", s, "unknown mode; want one of hpush://, hpull://, ws:// (or hpush, hpull, ws; empty means hpush://)")
}

// Validate checks every field of s. It does not modify s; every rejection
// is a *SpecError naming the field and the rule.
func (s *Spec) Validate() error {
	if s == nil {
		return specErr("body", "", "no spec")
	}
	if err := ValidateName(s.Name); err != nil {
		return err
	}
	if _, err := CanonicalComm(s.Communication); err != nil {
		return err
	}
	switch s.Argument {
	case "", "fqn", "url":
	default:
		return specErr("argument", s.Argument, `want "" (object bytes) or "fqn" (local file path)`)
	}
	if err := checkTimeout("init_timeout", s.InitTimeout, MaxInitTimeout); err != nil {
		return err
	}
	if err := checkTimeout("obj_timeout", s.ObjTimeout, MaxObjTimeout); err != nil {
		return err
	}
	if s.IsPodSpec() {
		if s.Runtime.Image != "" || len(s.Runtime.Command) > 0 || len(s.Runtime.Env) > 0 {
			return specErr("runtime", "", "give either runtime (the runtime form) or spec (a Kubernetes Pod spec), not both")
		}
		if _, err := s.Pod(); err != nil {
			return err
		}
	} else if err := s.validateRuntime(); err != nil {
		return err
	}
	if err := validateEnvs(s.Env, s.Runtime.Env); err != nil {
		return err
	}
	return s.Resources.validate()
}

func checkTimeout(field string, d Duration, max time.Duration) error {
	if d < 0 {
		return specErr(field, d.String(), "must not be negative")
	}
	if d.D() > max {
		return specErr(field, d.String(), "must be at most "+Duration(max).String()+" (0 means the default)")
	}
	return nil
}

func (s *Spec) validateRuntime() error {
	r := &s.Runtime
	if r.Image == "" && len(r.Command) == 0 {
		return specErr("runtime.image", "", "required (or runtime.command): what to run as the transformer")
	}
	if r.Image != "" {
		if len(r.Image) > 4096 {
			return specErr("runtime.image", r.Image, "longer than 4096 characters")
		}
		for _, c := range r.Image {
			if c <= ' ' || c == 0x7f {
				return specErr("runtime.image", r.Image, "must not contain spaces or control characters")
			}
		}
	}
	if len(r.Command) > maxCommandArgs {
		return specErr("runtime.command", "", fmt.Sprintf("more than %d arguments", maxCommandArgs))
	}
	if len(r.Command) > 0 && strings.TrimSpace(r.Command[0]) == "" {
		return specErr("runtime.command[0]", r.Command[0], "the program must not be empty")
	}
	for i, a := range r.Command {
		if strings.IndexByte(a, 0) >= 0 {
			return specErr(fmt.Sprintf("runtime.command[%d]", i), a, "must not contain NUL")
		}
		if len(a) > maxStringLen {
			return specErr(fmt.Sprintf("runtime.command[%d]", i), "", fmt.Sprintf("longer than %d bytes", maxStringLen))
		}
	}
	return nil
}

// reservedEnv are set by the target for every transformer (contract section 5).
var reservedEnv = map[string]bool{
	api.EnvTargetURL: true, api.EnvDirectPut: true, "direct_put": true, api.EnvPort: true, api.EnvHost: true,
}

// validateEnvs checks the spec's env and runtime.env together: the runtime
// merges them, so a name may appear only once across both.
func validateEnvs(lists ...[]EnvVar) error {
	prefixes := []string{"env", "runtime.env"}
	seen := map[string]string{}
	for li, list := range lists {
		if len(list) > maxEnvVars {
			return specErr(prefixes[li], "", fmt.Sprintf("more than %d variables", maxEnvVars))
		}
		for i, e := range list {
			field := fmt.Sprintf("%s[%d].name", prefixes[li], i)
			switch {
			case e.Name == "":
				return specErr(field, "", "required")
			case !envNameRe.MatchString(e.Name):
				return specErr(field, e.Name, "must be [A-Za-z_] followed by [A-Za-z0-9_.-] (no '=', spaces or NUL)")
			case reservedEnv[e.Name]:
				return specErr(field, e.Name, "reserved: the target sets it for every transformer")
			}
			if prev, dup := seen[e.Name]; dup {
				return specErr(field, e.Name, "duplicate of "+prev)
			}
			seen[e.Name] = field
			if strings.IndexByte(e.Value, 0) >= 0 {
				return specErr(fmt.Sprintf("%s[%d].value", prefixes[li], i), "", "must not contain NUL")
			}
			if len(e.Value) > maxStringLen {
				return specErr(fmt.Sprintf("%s[%d].value", prefixes[li], i), "", fmt.Sprintf("longer than %d bytes", maxStringLen))
			}
		}
	}
	return nil
}

func (r *Resources) validate() error {
	if len(r.Claims) > 0 {
		return specErr("resources.claims", "", "not supported (dynamic resource claims)")
	}
	req, err := r.Requests.parse("resources.requests")
	if err != nil {
		return err
	}
	lim, err := r.Limits.parse("resources.limits")
	if err != nil {
		return err
	}
	names := slices.Sorted(maps.Keys(req))
	for _, k := range names {
		l, ok := lim[k]
		if ok && req[k].Cmp(l) > 0 {
			return specErr("resources.requests."+k, r.Requests[k], "must not exceed resources.limits."+k+" ("+r.Limits[k]+")")
		}
	}
	return nil
}

func (rl ResourceList) parse(field string) (map[string]*big.Rat, error) {
	out := make(map[string]*big.Rat, len(rl))
	keys := slices.Sorted(maps.Keys(rl))
	for _, k := range keys {
		if len(k) > 253 || !resourceRe.MatchString(k) {
			return nil, specErr(field, k, "bad resource name (want e.g. cpu, memory, ephemeral-storage, nvidia.com/gpu)")
		}
		q, err := ParseQuantity(rl[k])
		if err != nil {
			return nil, specErr(field+"."+k, rl[k], "bad quantity: want e.g. 500m, 1, 256Mi, 1Gi, 2e3 ("+err.Error()+")")
		}
		out[k] = q
	}
	return out, nil
}
