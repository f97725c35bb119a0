// Package etl holds the ETL init spec, its validation, the lifecycle of an
// ETL on a target, the communicators that move objects through a
// transformer (hpush, hpull, ws) and the ETL statistics.
package etl

import (
	"encoding/json"
	"time"
)

// EnvVar is one environment variable of a spec (Kubernetes form).
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// RuntimeSpec says what to run as the transformer.
type RuntimeSpec struct {
	// Image is a container image (AIStore's runtime.image); "etlbench/transformer-<name>" runs the
	// built-in transformer <name> in the process runtime.
	Image string `json:"image"`
	// Command, when set, is what the process runtime executes (and the
	// container command on Kubernetes). "${PORT}" and "${HOST}" in its
	// arguments are substituted.
	Command []string `json:"command,omitempty"`
	Env     []EnvVar `json:"env,omitempty"`
}

// ResourceList is a Kubernetes-style resource list, e.g. {cpu: 500m, memory: 256Mi}.
type ResourceList map[string]string

// Resources are the transformer's resource requests and limits.
type Resources struct {
	Requests ResourceList `json:"requests,omitempty"`
	Limits   ResourceList `json:"limits,omitempty"`
	// Claims is Kubernetes' dynamic resource claims list; accepted in the
	// input (AIStore passes corev1.ResourceRequirements) but must be empty.
	Claims []json.RawMessage `json:"claims,omitempty"`
}

// Duration is a time.Duration that reads and writes as "45s" in JSON/YAML
// (a bare number is taken as seconds).
type Duration time.Duration

// Spec is an ETL init spec (contract section 3).
//
// JSON field names are AIStore's ETLSpecMsg names, so that AIStore clients
// (CLI, Python and Go SDKs) can init ETLs here unchanged. Argument is
// AIStore's argument-passing mode: "" (object bytes or URL) or "fqn" (pass
// the local file path; "url" is accepted as the older spelling of "").
type Spec struct {
	Name             string      `json:"name"`
	Communication    string      `json:"communication,omitempty"`
	Argument         string      `json:"argument,omitempty"`
	InitTimeout      Duration    `json:"init_timeout,omitempty"`
	ObjTimeout       Duration    `json:"obj_timeout,omitempty"`
	SupportDirectPut bool        `json:"support_direct_put,omitempty"`
	Env              []EnvVar    `json:"env,omitempty"`
	Runtime          RuntimeSpec `json:"runtime"`
	Resources        Resources   `json:"resources,omitempty"`
	// PodSpec, in place of Runtime and Resources, is a Kubernetes Pod
	// manifest (YAML or JSON) as given: AIStore's pod-spec init form
	// (InitSpecMsg "spec", base64 in JSON). See spec_pod.go.
	PodSpec []byte `json:"spec,omitempty"`
}

// specJSON is Spec without its methods (for MarshalJSON).
type specJSON Spec

// podSpecJSON is the JSON of a pod-spec ETL: AIStore's InitSpecMsg fields.
type podSpecJSON struct {
	Name             string   `json:"name"`
	Communication    string   `json:"communication,omitempty"`
	Argument         string   `json:"argument,omitempty"`
	InitTimeout      Duration `json:"init_timeout,omitempty"`
	ObjTimeout       Duration `json:"obj_timeout,omitempty"`
	SupportDirectPut bool     `json:"support_direct_put,omitempty"`
	Env              []EnvVar `json:"env,omitempty"`
	PodSpec          []byte   `json:"spec"`
}

// MarshalJSON writes the runtime form, or for a pod-spec ETL AIStore's
// pod-spec form (no runtime, no resources), so that either parses back.
func (s Spec) MarshalJSON() ([]byte, error) {
	if len(s.PodSpec) == 0 {
		return json.Marshal(specJSON(s))
	}
	return json.Marshal(podSpecJSON{Name: s.Name, Communication: s.Communication, Argument: s.Argument, InitTimeout: s.InitTimeout,
		ObjTimeout: s.ObjTimeout, SupportDirectPut: s.SupportDirectPut, Env: s.Env, PodSpec: s.PodSpec})
}

// Defaults (documented in the README): AIStore's code values.
const (
	DefaultInitTimeout = 45 * time.Second
	DefaultObjTimeout  = 10 * time.Second
)
