package etl

import (
	"encoding/json"
	"reflect"
	"testing"
)

// What the proxy ships to targets (the spec parsed, validated and
// normalized once, as JSON) decodes on the target to the very same spec,
// in the runtime form and in AIStore's pod-spec form, without a second
// parse or validation.
func TestDecodeNormalized(t *testing.T) {
	for _, c := range []struct{ what, body string }{
		{"runtime form", `name: full-spec
communication: ws
argument: fqn
init_timeout: 45s
support_direct_put: true
env: [{name: A, value: "1"}]
runtime:
  image: etlbench/transformer-md5
  command: [md5, --fast]
  env: [{name: B, value: "2"}]
resources:
  requests: {cpu: 500m, memory: 64Mi}
  limits: {memory: 128Mi}
`},
		{"defaults only", `{"name": "small-spec", "runtime": {"command": ["echo"]}}`},
		{"pod-spec CLI message", cliInitMsg(quickstartPod, "transformer-md5")},
		{"bare Pod manifest", quickstartPod},
	} {
		s, err := ParseSpec([]byte(c.body))
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		s.Normalize()
		wire, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("%s: marshal: %v", c.what, err)
		}
		got, err := DecodeNormalized(wire)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if !reflect.DeepEqual(got, s) {
			t.Errorf("%s: decoded\n%+v\nwant\n%+v", c.what, got, s)
		}
		if got.InitTimeout == 0 || got.ObjTimeout == 0 || got.Communication == "" {
			t.Errorf("%s: not normalized on the wire: %+v", c.what, got)
		}
	}
	if _, err := DecodeNormalized([]byte(`{"name": 1}`)); err == nil {
		t.Error("a spec that is not JSON of a Spec decoded")
	}
}
