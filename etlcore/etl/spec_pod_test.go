package etl

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// quickstartPod is AIStore's documented Pod-spec example (docs/cli/etl.md).
const quickstartPod = `apiVersion: v1
kind: Pod
metadata:
  name: etl-echo
  annotations:
    communication_type: "hpush://"
    wait_timeout: "5m"
spec:
  containers:
    - name: server
      image: aistorage/transformer_md5:latest
      ports: [{ name: default, containerPort: 8000 }]
      command: ["uvicorn", "fastapi_server:fastapi_app", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
      readinessProbe:
        httpGet: { path: /health, port: default }
`

// cliInitMsg is the JSON AIStore's CLI sends for 'ais etl init -f pod.yaml'
// (an InitSpecMsg: the manifest in base64, the common fields validated).
func cliInitMsg(pod, name string) string {
	b, _ := json.Marshal(map[string]any{"spec": []byte(pod), "name": name, "communication": "hpush://",
		"init_timeout": "5m0s", "obj_timeout": "10s"})
	return string(b)
}

// TestParsePodSpec: the pod-spec form as AIStore's CLI sends it, as a bare
// manifest and inline in YAML; the annotations read as AIStore reads them;
// and the JSON of the result parses back to the same spec.
func TestParsePodSpec(t *testing.T) {
	for _, c := range []struct{ what, body, name string }{
		{"CLI message", cliInitMsg(quickstartPod, "transformer-md5"), "transformer-md5"},
		{"bare manifest", quickstartPod, "etl-echo"},
		{"inline YAML", "name: inline-md5\nspec: |\n" + indent(quickstartPod, "  "), "inline-md5"},
		{"base64 in YAML", "name: b64-md5\nspec: " + base64.StdEncoding.EncodeToString([]byte(quickstartPod)) + "\n", "b64-md5"},
	} {
		t.Run(c.what, func(t *testing.T) {
			s, err := ParseSpec([]byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if !s.IsPodSpec() || s.Name != c.name || s.Communication != "hpush://" || s.InitTimeout.D() != 5*time.Minute {
				t.Fatalf("spec %+v: want pod spec %s, hpush://, init_timeout 5m", s, c.name)
			}
			ctr, err := s.PodContainer()
			if err != nil || ctr.Image != "aistorage/transformer_md5:latest" || ctr.Command[0] != "uvicorn" || ctr.Ports[0].ContainerPort != 8000 {
				t.Fatalf("container %+v, %v", ctr, err)
			}
			if p := s.HealthPath(); p != "/health" {
				t.Fatalf("health path %q", p)
			}
			s.Normalize()
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), `"runtime"`) || !strings.Contains(string(b), `"spec":"`) {
				t.Fatalf("JSON of a pod-spec ETL: %s; want AIStore's InitSpecMsg form", b)
			}
			back, err := ParseSpec(b)
			if err != nil {
				t.Fatalf("parse back %s: %v", b, err)
			}
			if back.Hash() != s.Hash() {
				t.Fatalf("parsed back to another spec: %s", b)
			}
		})
	}
	// Annotations: support_direct_put wins, communication_type and
	// wait_timeout only fill what the message leaves empty.
	pod := strings.Replace(quickstartPod, `wait_timeout: "5m"`, "wait_timeout: 5m\n    support_direct_put: \"true\"", 1)
	pod = strings.Replace(pod, "hpush://", "ws://", 1)
	s, err := ParseSpec([]byte(`{"name":"annot-etl","init_timeout":"1m","spec":"` + base64.StdEncoding.EncodeToString([]byte(pod)) + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Communication != "ws://" || !s.SupportDirectPut || s.InitTimeout.D() != time.Minute {
		t.Fatalf("annotations read as %+v; want ws://, direct put, the message's init_timeout 1m", s)
	}
}

func indent(s, pfx string) string {
	return pfx + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pfx) + "\n"
}

// TestParsePodSpecBad: each broken rule of a Pod spec is rejected naming
// its field.
func TestParsePodSpecBad(t *testing.T) {
	rep := func(old, new string) string { return strings.Replace(quickstartPod, old, new, 1) }
	cases := []struct{ name, pod, field, want string }{
		{"no containers", "apiVersion: v1\nkind: Pod\nmetadata: {name: no-containers}\nspec: {containers: []}\n", "spec.containers", "exactly one container"},
		{"no spec", "apiVersion: v1\nkind: Pod\nmetadata: {name: no-spec-here}\n", "spec.containers", "got 0"},
		{"two containers", rep("  containers:\n", "  containers:\n    - {name: extra, image: x}\n"), "spec.containers", "got 2"},
		{"no image", rep("image: aistorage/transformer_md5:latest", "imagePullPolicy: Always"), "spec.containers[0].image", "required"},
		{"no ports", rep("ports: [{ name: default, containerPort: 8000 }]", "ports: []"), "spec.containers[0].ports", "got 0"},
		{"port name", rep("name: default,", "name: http,"), "spec.containers[0].ports[0].name", `"default"`},
		{"port number", rep("containerPort: 8000", "containerPort: 0"), "spec.containers[0].ports[0].containerPort", "1..65535"},
		{"no probe", rep("      readinessProbe:\n        httpGet: { path: /health, port: default }\n", ""), "spec.containers[0].readinessProbe", "required"},
		{"probe not http", rep("httpGet: { path: /health, port: default }", "exec: {command: [\"true\"]}"), "spec.containers[0].readinessProbe.httpGet", "required"},
		{"probe no path", rep("path: /health, ", ""), "spec.containers[0].readinessProbe.httpGet.path", "required"},
		{"probe numeric port", rep("port: default }", "port: 8000 }"), "spec.containers[0].readinessProbe.httpGet.port", `"default" port`},
		{"kind", rep("kind: Pod", "kind: Deployment"), "kind", "want Pod"},
		{"api version", rep("apiVersion: v1", "apiVersion: v2"), "apiVersion", "want v1"},
		{"node affinity", rep("spec:\n", "spec:\n  affinity: {nodeAffinity: {}}\n"), "spec.affinity.nodeAffinity", "not allowed"},
		{"env from", rep("      command:", "      env: [{name: K, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}]\n      command:"), "spec.containers[0].env[0].valueFrom", "not supported"},
		{"bad comm annotation", rep(`"hpush://"`, "io://"), "metadata.annotations.communication_type", "unknown mode"},
		{"bad wait annotation", rep(`"5m"`, "soon"), "metadata.annotations.wait_timeout", "duration"},
		{"bad direct put annotation", rep("wait_timeout", "support_direct_put: maybe\n    wait_timeout"), "metadata.annotations.support_direct_put", "true or false"},
		{"bad name", rep("name: etl-echo", "name: Echo"), "name", "6..32"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, body := range []string{c.pod, `{"spec":"` + base64.StdEncoding.EncodeToString([]byte(c.pod)) + `"}`} {
				_, err := ParseSpec([]byte(body))
				var se *SpecError
				if !errors.As(err, &se) || se.Field != c.field || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("%.40q...: %v; want a SpecError on %s saying %q", body, err, c.field, c.want)
				}
			}
		})
	}
	// A manifest that is not YAML: in the message, its field is spec (as a
	// bare manifest the body is malformed, as for any spec).
	bad := strings.Replace(quickstartPod, "containers:", "containers: {", 1)
	var se *SpecError
	if _, err := ParseSpec([]byte(`{"spec":"` + base64.StdEncoding.EncodeToString([]byte(bad)) + `"}`)); !errors.As(err, &se) || se.Field != "spec" || !strings.Contains(err.Error(), "malformed") {
		t.Fatalf("malformed manifest: %v; want a SpecError on spec saying malformed", err)
	}
	// Both forms at once, and fields of the runtime form next to spec.
	for body, field := range map[string]string{
		`{"name":"both-forms","runtime":{"image":"x"},"spec":"eA=="}`: "runtime",
		`{"name":"both-forms","resources":{},"spec":"eA=="}`:          "resources",
	} {
		if _, err := ParseSpec([]byte(body)); !errors.As(err, &se) || se.Field != field {
			t.Fatalf("%s: %v; want a SpecError on %s", body, err, field)
		}
	}
}
