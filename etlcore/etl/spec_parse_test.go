package etl

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

const goodYAML = `
# an md5 ETL
name: md5-etl
communication: hpush://
init_timeout: 45s
obj_timeout: 10s
support_direct_put: true
env: [{name: K, value: V}]
runtime:
  image: etlbench/transformer-md5
  command: ["etlbench", "transformer", "md5", "--port", "${PORT}"]
  env:
    - name: LOG_LEVEL
      value: debug
resources:
  requests: {cpu: 500m, memory: 256Mi}
  limits: {cpu: 1, memory: 1Gi}
`

func TestParseSpecGoodYAML(t *testing.T) {
	s, err := ParseSpec([]byte(goodYAML))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "md5-etl" || s.Communication != "hpush://" || !s.SupportDirectPut {
		t.Fatalf("bad spec: %+v", s)
	}
	if s.InitTimeout.D() != 45*time.Second || s.ObjTimeout.D() != 10*time.Second {
		t.Fatalf("timeouts %v %v", s.InitTimeout, s.ObjTimeout)
	}
	if len(s.Runtime.Command) != 5 || s.Runtime.Command[4] != "${PORT}" {
		t.Fatalf("command %q", s.Runtime.Command)
	}
	if s.Env[0] != (EnvVar{"K", "V"}) || s.Runtime.Env[0] != (EnvVar{"LOG_LEVEL", "debug"}) {
		t.Fatalf("env %v %v", s.Env, s.Runtime.Env)
	}
	if s.Resources.Limits["cpu"] != "1" || s.Resources.Requests["memory"] != "256Mi" {
		t.Fatalf("resources %+v", s.Resources)
	}
	if v, ok, err := s.Resources.Requests.Value("cpu"); err != nil || !ok || v != 0.5 {
		t.Fatalf("cpu request = %v %v %v", v, ok, err)
	}
}

func TestParseSpecGoodJSON(t *testing.T) {
	// What AIStore's Python SDK sends (Etl.init).
	body := `{"name":"hello-world","communication":"ws://","init_timeout":"5m","obj_timeout":"45s",
	  "argument":"","support_direct_put":true,
	  "runtime":{"image":"aistorage/transformer_hello_world:latest","command":null,"env":[]}}`
	s, err := ParseSpec([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if s.Communication != "ws://" || s.InitTimeout.D() != 5*time.Minute || s.ObjTimeout.D() != 45*time.Second {
		t.Fatalf("bad spec: %+v", s)
	}
	// Bare forms, numeric durations, a YAML flow mapping that starts with '{'.
	for _, b := range []string{
		`{"name":"abcdef","communication":"hpull","init_timeout":30,"obj_timeout":"2.5","runtime":{"command":["./x"]}}`,
		`{name: abcdef, communication: hpull, init_timeout: 30, obj_timeout: "2.5", runtime: {command: [./x]}}`,
	} {
		s, err := ParseSpec([]byte(b))
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if s.InitTimeout.D() != 30*time.Second || s.ObjTimeout.D() != 2500*time.Millisecond {
			t.Fatalf("%s: timeouts %v %v", b, s.InitTimeout, s.ObjTimeout)
		}
		s.Normalize()
		if s.Communication != "hpull://" {
			t.Fatalf("normalized comm %q", s.Communication)
		}
	}
}

func TestParseSpecsMulti(t *testing.T) {
	multi := "---\nname: first-etl\nruntime: {image: etlbench/transformer-echo}\n" +
		"--- # second\nname: second-etl\ncommunication: ws\nruntime: {image: etlbench/transformer-md5}\n" +
		"---\n# only a comment\n---\n" +
		"--- {name: third-etl, runtime: {image: x/y}}\n...\n"
	specs, err := ParseSpecs([]byte(multi))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, s := range specs {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "first-etl,second-etl,third-etl" {
		t.Fatalf("names %v", names)
	}
	// JSON: a stream and an array.
	for _, b := range []string{
		`{"name":"first-etl","runtime":{"image":"a"}} {"name":"second-etl","runtime":{"image":"b"}}`,
		`[{"name":"first-etl","runtime":{"image":"a"}}, {"name":"second-etl","runtime":{"image":"b"}}]`,
	} {
		specs, err := ParseSpecs([]byte(b))
		if err != nil || len(specs) != 2 || specs[1].Name != "second-etl" {
			t.Fatalf("%s: %v %v", b, specs, err)
		}
	}
	// ParseSpec wants exactly one.
	if _, err := ParseSpec([]byte(multi)); err == nil || !strings.Contains(err.Error(), "exactly one") {
		t.Fatalf("ParseSpec(multi) = %v", err)
	}
}

func TestParseSpecErrorDocument(t *testing.T) {
	// Errors come in document order.
	_, err0 := ParseSpecs([]byte("name: a\n---\nname: abcdef\nruntime: {image: 3}\n"))
	var se0 *SpecError
	if !errors.As(err0, &se0) || se0.Doc != 1 || se0.Field != "name" {
		t.Fatalf("err = %v", err0)
	}
	multi := "name: first-etl\nruntime: {image: a}\n---\nname: Bad\nruntime: {image: b}\n"
	_, err := ParseSpecs([]byte(multi))
	var se *SpecError
	if !errors.As(err, &se) || se.Doc != 2 || se.Field != "name" {
		t.Fatalf("err = %v (%#v)", err, se)
	}
	if !strings.Contains(err.Error(), "document 2") {
		t.Fatalf("message %q does not name the document", err)
	}
}

func TestParseSpecBad(t *testing.T) {
	const rt = `runtime: {image: etlbench/transformer-echo}` + "\n"
	cases := []struct {
		name, body, field, want string
	}{
		{"empty body", "", "body", "empty"},
		{"whitespace body", " \n\t\n", "body", "empty"},
		{"only comments", "# nothing\n", "body", "no spec"},
		{"name missing", rt, "name", "required"},
		{"name short", "name: abc\n" + rt, "name", "6..32"},
		{"name long", "name: " + strings.Repeat("a", 33) + "\n" + rt, "name", "6..32"},
		{"name upper", "name: Abcdef\n" + rt, "name", "[a-z0-9-]"},
		{"name leading dash", "name: -abcdef\n" + rt, "name", "starting and ending"},
		{"name trailing dash", "name: abcdef-\n" + rt, "name", "starting and ending"},
		{"name underscore", "name: abc_def\n" + rt, "name", "[a-z0-9-]"},
		{"name number", "name: 1234567\n" + rt, "name", "must be a string"},
		{"unknown mode", "name: abcdef\ncommunication: grpc://\n" + rt, "communication", "unknown mode"},
		{"io mode", "name: abcdef\ncommunication: io://\n" + rt, "communication", "not supported"},
		{"mode case", "name: abcdef\ncommunication: HPUSH://\n" + rt, "communication", "unknown mode"},
		{"bad duration", "name: abcdef\ninit_timeout: soon\n" + rt, "init_timeout", "duration"},
		{"negative duration", "name: abcdef\nobj_timeout: -5s\n" + rt, "obj_timeout", "negative"},
		{"negative number duration", "name: abcdef\nobj_timeout: -5\n" + rt, "obj_timeout", "negative"},
		{"huge duration", "name: abcdef\ninit_timeout: 25h\n" + rt, "init_timeout", "maximum"},
		{"obj timeout over max", "name: abcdef\nobj_timeout: 2h\n" + rt, "obj_timeout", "at most"},
		{"duration bool", "name: abcdef\nobj_timeout: true\n" + rt, "obj_timeout", "duration"},
		{"missing runtime", "name: abcdef\n", "runtime.image", "required"},
		{"empty runtime", "name: abcdef\nruntime: {}\n", "runtime.image", "required"},
		{"image spaces", "name: abcdef\nruntime: {image: 'a b'}\n", "runtime.image", "spaces"},
		{"empty program", "name: abcdef\nruntime: {command: ['']}\n", "runtime.command[0]", "empty"},
		{"command not list", "name: abcdef\nruntime: {command: run-me}\n", "runtime.command", "must be a list"},
		{"command NUL", `{"name":"abcdef","runtime":{"command":["x","a\u0000b"]}}`, "runtime.command[1]", "NUL"},
		{"env name missing", "name: abcdef\nenv: [{value: v}]\n" + rt, "env[0].name", "required"},
		{"env name equals", "name: abcdef\nenv: [{name: 'A=B', value: v}]\n" + rt, "env[0].name", "'='"},
		{"env name digit", "name: abcdef\nenv: [{name: 1A}]\n" + rt, "env[0].name", "[A-Za-z_]"},
		{"env duplicate", "name: abcdef\nenv: [{name: A}, {name: A}]\n" + rt, "env[1].name", "duplicate of env[0].name"},
		{"env dup across", "name: abcdef\nenv: [{name: A}]\nruntime: {image: x, env: [{name: A}]}\n", "runtime.env[0].name", "duplicate of env[0].name"},
		{"env reserved", "name: abcdef\nenv: [{name: AIS_TARGET_URL, value: x}]\n" + rt, "env[0].name", "reserved"},
		{"env valueFrom", "name: abcdef\nenv: [{name: A, valueFrom: {}}]\n" + rt, "env[0].valueFrom", "unknown field"},
		{"env value NUL", `{"name":"abcdef","env":[{"name":"A","value":"\u0000"}],"runtime":{"image":"x"}}`, "env[0].value", "NUL"},
		{"bad quantity", "name: abcdef\nresources: {requests: {cpu: lots}}\n" + rt, "resources.requests.cpu", "quantity"},
		{"bad suffix", "name: abcdef\nresources: {limits: {memory: 1GB}}\n" + rt, "resources.limits.memory", "suffix"},
		{"negative quantity", "name: abcdef\nresources: {limits: {memory: -1Gi}}\n" + rt, "resources.limits.memory", "negative"},
		{"request over limit", "name: abcdef\nresources: {requests: {memory: 2Gi}, limits: {memory: 1Gi}}\n" + rt, "resources.requests.memory", "must not exceed"},
		{"bad resource name", "name: abcdef\nresources: {limits: {'c p u': 1}}\n" + rt, "resources.limits", "resource name"},
		{"claims", "name: abcdef\nresources: {claims: [{name: gpu}]}\n" + rt, "resources.claims", "not supported"},
		{"unknown top field", "name: abcdef\nreplicas: 3\n" + rt, "replicas", "unknown field"},
		{"unknown runtime field", "name: abcdef\nruntime: {image: x, imagePullPolicy: Always}\n", "runtime.imagePullPolicy", "unknown field"},
		{"unknown json field", `{"name":"abcdef","runtime":{"image":"x"},"Name":"x"}`, "Name", "unknown field"},
		{"field typo", "name: abcdef\nobj_timout: 5s\n" + rt, "obj_timout", `did you mean "obj_timeout"?`},
		{"duplicate json key", `{"name":"abcdef","name":"ghijkl","runtime":{"image":"x"}}`, "name", "duplicate"},
		{"duplicate yaml key", "name: abcdef\nname: ghijkl\n" + rt, "name", "duplicate key (line 2"},
		{"malformed json", `{"name": "abcdef",, }`, "body", "malformed JSON at line 1"},
		{"truncated json", `{"name": "abcdef"`, "body", "malformed JSON"},
		{"malformed yaml", "name: abcdef\n  runtime: : x\n", "body", "malformed YAML"},
		{"yaml tab indent", "name: abcdef\nruntime:\n\timage: x\n", "body", "malformed YAML"},
		{"scalar body", "hello\n", "body", "object"},
		{"list of strings", `["a"]`, "body", "object"},
		{"old pod spec", `{"id":"abcdef","timeout":"5m","communication":"hpush://","spec":"YXBp"}`, "timeout", "not supported"},
		{"old init code", `{"id":"abcdef","runtime":"python3.11v2","code":"ZGVm","funcs":{"transform":"t"}}`, "code", "not supported"},
		{"runtime string", `{"name":"abcdef","runtime":"python3.11v2"}`, "runtime", "init-code"},
		{"k8s pod without containers", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", "spec.containers", "exactly one container"},
		{"id instead of name", `{"id":"abcdef","runtime":{"image":"x"}}`, "id", "not supported"},
		{"bad argument", "name: abcdef\nargument: path\n" + rt, "argument", "fqn"},
		{"direct put string", "name: abcdef\nsupport_direct_put: 'yes'\n" + rt, "support_direct_put", "true or false"},
		{"two same names", "name: abcdef\n" + rt + "---\nname: abcdef\n" + rt, "name", "duplicate of document 1"},
		{"huge body", "name: abcdef\n" + rt + "#" + strings.Repeat("x", MaxSpecBytes), "body", "more than"},
	}
	if len(cases) < 30 {
		t.Fatalf("only %d bad specs", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := ParseSpecs([]byte(c.body))
			if err == nil {
				b, _ := json.Marshal(s)
				t.Fatalf("accepted: %s", b)
			}
			var se *SpecError
			if !errors.As(err, &se) {
				t.Fatalf("not a *SpecError: %T %v", err, err)
			}
			if se.Field != c.field {
				t.Errorf("field = %q, want %q (%v)", se.Field, c.field, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, c.field) || !strings.Contains(msg, c.want) {
				t.Errorf("message %q does not contain %q and %q", msg, c.field, c.want)
			}
		})
	}
}

func TestSpecErrorMessage(t *testing.T) {
	err := (&Spec{Name: "Ab", Runtime: RuntimeSpec{Image: "x"}}).Validate()
	want := `spec: name "Ab": must be 6..32 characters of [a-z0-9-] starting and ending with [a-z0-9]`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestValidateConstructed(t *testing.T) {
	ok := Spec{Name: "abcdef", Runtime: RuntimeSpec{Image: "x"}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	neg := ok
	neg.ObjTimeout = Duration(-time.Second)
	if err := neg.Validate(); err == nil || !strings.Contains(err.Error(), "obj_timeout") {
		t.Fatalf("negative obj_timeout: %v", err)
	}
	var nilSpec *Spec
	if err := nilSpec.Validate(); err == nil {
		t.Fatal("nil spec validated")
	}
}

func TestCanonicalComm(t *testing.T) {
	for in, want := range map[string]string{
		"": "hpush://", "hpush": "hpush://", "hpush://": "hpush://",
		"hpull": "hpull://", "hpull://": "hpull://", "ws": "ws://", "ws://": "ws://",
	} {
		got, err := CanonicalComm(in)
		if err != nil || got != want {
			t.Errorf("CanonicalComm(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"http://", "wss://", "hpush:/", " ws", "io://"} {
		if _, err := CanonicalComm(bad); err == nil {
			t.Errorf("CanonicalComm(%q) accepted", bad)
		}
	}
}

func TestNormalizeAndHash(t *testing.T) {
	a, err := ParseSpec([]byte("name: abcdef\ncommunication: ws\nruntime: {image: x}\nenv: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseSpec([]byte(`{"name":"abcdef","communication":"ws://","init_timeout":45,"obj_timeout":"10s","runtime":{"image":"x","env":[]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash() != b.Hash() || len(a.Hash()) != 64 {
		t.Fatalf("hashes differ: %s %s", a.Hash(), b.Hash())
	}
	if a.Communication != "ws" || a.InitTimeout != 0 {
		t.Fatal("Hash modified the spec")
	}
	c := a.Clone()
	c.ObjTimeout = Duration(11 * time.Second)
	if c.Hash() == a.Hash() {
		t.Fatal("different specs, same hash")
	}
	a.Normalize()
	if a.Communication != "ws://" || a.InitTimeout.D() != DefaultInitTimeout || a.ObjTimeout.D() != DefaultObjTimeout || a.Env != nil {
		t.Fatalf("normalized: %+v", a)
	}
	// The normalized JSON parses back to the same spec.
	j, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseSpec(j)
	if err != nil {
		t.Fatalf("%s: %v", j, err)
	}
	if back.Hash() != a.Hash() {
		t.Fatalf("round trip changed the hash: %s", j)
	}
}
