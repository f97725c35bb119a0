package etl

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Normalize fills the defaults in place: the canonical communication mode
// ("hpush" and "" become "hpush://"), DefaultInitTimeout and
// DefaultObjTimeout for zero timeouts, "" for the legacy argument "url",
// and nil for empty lists and maps. Call it on a validated spec; an unknown
// communication mode is left as is.
func (s *Spec) Normalize() {
	if c, err := CanonicalComm(s.Communication); err == nil {
		s.Communication = c
	}
	if s.InitTimeout == 0 {
		s.InitTimeout = Duration(DefaultInitTimeout)
	}
	if s.ObjTimeout == 0 {
		s.ObjTimeout = Duration(DefaultObjTimeout)
	}
	if s.Argument == "url" {
		s.Argument = ""
	}
	if len(s.Env) == 0 {
		s.Env = nil
	}
	if len(s.Runtime.Env) == 0 {
		s.Runtime.Env = nil
	}
	if len(s.Runtime.Command) == 0 {
		s.Runtime.Command = nil
	}
	if len(s.Resources.Requests) == 0 {
		s.Resources.Requests = nil
	}
	if len(s.Resources.Limits) == 0 {
		s.Resources.Limits = nil
	}
	if len(s.Resources.Claims) == 0 {
		s.Resources.Claims = nil
	}
}

// Clone returns a deep copy of s.
func (s *Spec) Clone() *Spec {
	c := *s
	c.Env = slices.Clone(s.Env)
	c.Runtime.Command = slices.Clone(s.Runtime.Command)
	c.Runtime.Env = slices.Clone(s.Runtime.Env)
	c.Resources.Requests = maps.Clone(s.Resources.Requests)
	c.Resources.Limits = maps.Clone(s.Resources.Limits)
	c.Resources.Claims = slices.Clone(s.Resources.Claims)
	c.PodSpec = slices.Clone(s.PodSpec)
	return &c
}

// Hash returns the hex SHA-256 of the normalized spec's JSON: equal for
// specs that run the same way however they were written (JSON or YAML,
// "hpush" or "hpush://", "45s" or 45). It does not modify s.
func (s *Spec) Hash() string {
	c := s.Clone()
	c.Normalize()
	b, err := json.Marshal(c) // map keys are sorted; cannot fail for these types
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// DecodeNormalized reads the JSON of a spec that was parsed, validated
// and normalized already: what the proxy ships to its targets. It does not
// validate again (the proxy did, once); it only decodes.
func DecodeNormalized(raw []byte) (*Spec, error) {
	var s Spec
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("decode normalized spec: %w", err)
	}
	return &s, nil
}
