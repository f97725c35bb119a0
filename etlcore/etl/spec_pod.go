package etl

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// The pod-spec init form (AIStore's InitSpecMsg): instead of runtime, the
// init message carries "spec", a whole Kubernetes Pod manifest (YAML or
// JSON; base64 in a JSON message, as AIStore's clients send it), next to
// the common fields (name, communication, init_timeout, obj_timeout,
// support_direct_put, env). A Pod manifest given as the document itself
// (apiVersion, kind: Pod, metadata, spec) is taken the same way.
//
// The Pod follows AIStore's rules: one container, with one port named
// "default" and a readiness probe that GETs a path on that port. Its
// annotations are read as AIStore reads them: communication_type (when
// communication is empty), support_direct_put (overrides), wait_timeout
// (init_timeout, when that is empty); metadata.name names the ETL when
// name is empty.

// AIStore's pod annotations and the port name it requires.
const (
	AnnotCommType         = "communication_type"
	AnnotSupportDirectPut = "support_direct_put"
	AnnotWaitTimeout      = "wait_timeout"
	PodPortName           = "default"
)

// IsPodSpec reports whether s was given as a Pod spec.
func (s *Spec) IsPodSpec() bool { return len(s.PodSpec) > 0 }

// Pod parses the Pod manifest of a pod-spec ETL and checks AIStore's rules.
// Errors are *SpecError naming the Pod's field.
func (s *Spec) Pod() (*corev1.Pod, error) {
	if !s.IsPodSpec() {
		return nil, specErr("spec", "", "not a pod-spec ETL")
	}
	return parsePod(s.PodSpec)
}

// PodContainer returns the Pod's one container.
func (s *Spec) PodContainer() (*corev1.Container, error) {
	pod, err := s.Pod()
	if err != nil {
		return nil, err
	}
	return &pod.Spec.Containers[0], nil
}

// HealthPath is the path the target polls until the transformer is ready:
// the readiness probe's path of a Pod spec, else /health.
func (s *Spec) HealthPath() string {
	if s.IsPodSpec() {
		if c, err := s.PodContainer(); err == nil {
			return c.ReadinessProbe.HTTPGet.Path
		}
	}
	return "/health"
}

func podErr(field, value, rule string) *SpecError {
	return specErr(field, value, "Pod spec: "+rule)
}

// parsePod decodes a Pod manifest (YAML or JSON) and checks AIStore's rules.
func parsePod(b []byte) (*corev1.Pod, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, podErr("spec", "", "empty; want a Kubernetes Pod manifest (apiVersion: v1, kind: Pod, metadata, spec)")
	}
	var pod corev1.Pod
	if err := yaml.Unmarshal(b, &pod); err != nil {
		return nil, podErr("spec", "", "malformed Pod manifest: "+strings.TrimPrefix(err.Error(), "error unmarshaling JSON: "))
	}
	switch {
	case pod.Kind == "":
		return nil, podErr("kind", "", "required: Pod")
	case pod.Kind != "Pod":
		return nil, podErr("kind", pod.Kind, "want Pod")
	case pod.APIVersion != "v1":
		return nil, podErr("apiVersion", pod.APIVersion, "want v1")
	}
	if a := pod.Spec.Affinity; a != nil && a.NodeAffinity != nil {
		return nil, podErr("spec.affinity.nodeAffinity", "", "not allowed: the target places its transformer next to itself (AIStore's rule)")
	}
	cs := pod.Spec.Containers
	if len(cs) != 1 {
		return nil, podErr("spec.containers", "", fmt.Sprintf("exactly one container is required (AIStore's rule), got %d", len(cs)))
	}
	c := &cs[0]
	if c.Image == "" {
		return nil, podErr("spec.containers[0].image", "", "required")
	}
	if len(c.Ports) != 1 {
		return nil, podErr("spec.containers[0].ports", "", fmt.Sprintf("exactly one port is required (AIStore's rule), got %d", len(c.Ports)))
	}
	if c.Ports[0].Name != PodPortName {
		return nil, podErr("spec.containers[0].ports[0].name", c.Ports[0].Name, fmt.Sprintf("the port must be named %q (AIStore's rule)", PodPortName))
	}
	if p := c.Ports[0].ContainerPort; p < 1 || p > 65535 {
		return nil, podErr("spec.containers[0].ports[0].containerPort", strconv.Itoa(int(p)), "must be 1..65535")
	}
	rp := c.ReadinessProbe
	switch {
	case rp == nil:
		return nil, podErr("spec.containers[0].readinessProbe", "", "required (AIStore's rule): an httpGet on the \"default\" port")
	case rp.HTTPGet == nil:
		return nil, podErr("spec.containers[0].readinessProbe.httpGet", "", "required (AIStore's rule)")
	case rp.HTTPGet.Path == "":
		return nil, podErr("spec.containers[0].readinessProbe.httpGet.path", "", "required (AIStore's rule), e.g. /health")
	case !strings.HasPrefix(rp.HTTPGet.Path, "/"):
		return nil, podErr("spec.containers[0].readinessProbe.httpGet.path", rp.HTTPGet.Path, "must start with /")
	case rp.HTTPGet.Port.String() != PodPortName:
		return nil, podErr("spec.containers[0].readinessProbe.httpGet.port", rp.HTTPGet.Port.String(), fmt.Sprintf("must be the %q port (AIStore's rule)", PodPortName))
	}
	for i, e := range c.Env {
		if e.ValueFrom != nil {
			return nil, podErr(fmt.Sprintf("spec.containers[0].env[%d].valueFrom", i), e.Name, "not supported: give value")
		}
	}
	return &pod, nil
}

// podSchema is the schema of the pod-spec form's init message: the
// runtime form's common fields, and spec in place of runtime and resources.
var podSchema = func() *schema {
	f := maps.Clone(specSchema.fields)
	delete(f, "runtime")
	delete(f, "resources")
	f["spec"] = sString
	return &schema{kind: kObject, fields: f}
}()

// isPodForm tells a pod-spec init message or a bare Pod manifest by its
// top-level keys: "spec" (AIStore's InitSpecMsg), or apiVersion, kind or
// metadata (a Pod manifest).
func isPodForm(top map[string]json.RawMessage) bool {
	for _, k := range []string{"spec", "apiVersion", "kind", "metadata"} {
		if _, ok := top[k]; ok {
			return true
		}
	}
	return false
}

// decodePodForm decodes a pod-spec init message (or a bare Pod manifest,
// raw), applies the Pod's annotations and validates the result.
func decodePodForm(raw []byte, top map[string]json.RawMessage) (*Spec, error) {
	if _, ok := top["runtime"]; ok {
		return nil, specErr("runtime", "", "give either runtime (the runtime form) or spec (a Kubernetes Pod spec), not both")
	}
	var s Spec
	if isManifest(top) {
		s.PodSpec = append([]byte(nil), raw...)
	} else {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := walk(dec, podSchema, ""); err != nil {
			return nil, err
		}
		var m struct {
			podSpecJSON
			Spec string `json:"spec"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, specErr("body", "", err.Error())
		}
		s = Spec{Name: m.Name, Communication: m.Communication, Argument: m.Argument, InitTimeout: m.InitTimeout,
			ObjTimeout: m.ObjTimeout, SupportDirectPut: m.SupportDirectPut, Env: m.Env, PodSpec: podBytes(m.Spec)}
	}
	pod, err := parsePod(s.PodSpec)
	if err != nil {
		return nil, err
	}
	if err := s.applyPodMeta(pod); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// podBytes returns the manifest of a "spec" string: its base64 decoding
// (what AIStore's clients send), or the string itself when it is not
// base64 (a manifest written inline in a YAML init message).
func podBytes(v string) []byte {
	if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v)); err == nil {
		return b
	}
	return []byte(v)
}

// isManifest: the document itself is a Pod manifest (its "spec" an object).
func isManifest(top map[string]json.RawMessage) bool {
	for _, k := range []string{"apiVersion", "kind", "metadata"} {
		if _, ok := top[k]; ok {
			return true
		}
	}
	sp := bytes.TrimSpace(top["spec"])
	return len(sp) > 0 && sp[0] == '{'
}

// applyPodMeta reads the Pod's name and annotations as AIStore does.
func (s *Spec) applyPodMeta(pod *corev1.Pod) error {
	if s.Name == "" {
		s.Name = pod.Name
	}
	a := pod.Annotations
	if v := a[AnnotCommType]; v != "" && s.Communication == "" {
		if _, err := CanonicalComm(v); err != nil {
			return podErr("metadata.annotations."+AnnotCommType, v, "unknown mode; want one of hpush://, hpull://, ws://")
		}
		s.Communication = v
	}
	if v, ok := a[AnnotSupportDirectPut]; ok {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return podErr("metadata.annotations."+AnnotSupportDirectPut, v, "want true or false")
		}
		s.SupportDirectPut = b
	}
	if v := a[AnnotWaitTimeout]; v != "" && s.InitTimeout == 0 {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d < 0 {
			return podErr("metadata.annotations."+AnnotWaitTimeout, v, `want a duration, e.g. "2m"`)
		}
		s.InitTimeout = Duration(d)
	}
	return nil
}
