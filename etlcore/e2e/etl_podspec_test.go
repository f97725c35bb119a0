package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// quickstartPodSpec is a Pod spec in the form of AIStore's docs
// (docs/cli/etl.md; what aisloader's -etl-spec and `ais etl init -f`
// take): communication_type annotation, container port
// "default" 8000, readiness probe on /health; AIStore's md5 image, whose
// uvicorn command the process runtime replaces by the built-in md5.
const quickstartPodSpec = `apiVersion: v1
kind: Pod
metadata:
  name: transformer-md5
  annotations:
    communication_type: "hpush://"
    wait_timeout: "2m"
spec:
  containers:
    - name: server
      image: aistorage/transformer_md5:latest
      ports: [{ name: default, containerPort: 8000 }]
      command: ["uvicorn", "fastapi_server:fastapi_app", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
      readinessProbe:
        httpGet: { path: /health, port: default }
`

// podInitMsg is the init message AIStore's clients send for a Pod spec
// (InitSpecMsg: the manifest in base64 under "spec").
func podInitMsg(pod, name string) []byte {
	b, _ := json.Marshal(map[string]any{"spec": []byte(pod), "name": name})
	return b
}

// TestETLPodSpec: Pod-spec ETLs on the process runtime. AIStore's
// quickstart form, sent as AIStore's clients send it, runs md5 (inline and
// an offline job, verified); a Pod whose container runs a program of its
// own gets the assigned port in place of its container port (ws with
// direct put, from the annotations); a Pod spec with no containers is a
// 400 naming spec.containers; an image that is no built-in and has no
// command fails naming it.
func TestETLPodSpec(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	cl := c.Client
	objs := putObjects(t, cl, "src", 12)

	if _, err := cl.ETLInit(ctx, podInitMsg(quickstartPodSpec, "")); err != nil {
		t.Fatal(err)
	}
	stage := func(name string) string {
		t.Helper()
		list, err := cl.ETLList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list {
			if e.Name == name {
				return e.Stage
			}
		}
		return ""
	}
	if st := stage("transformer-md5"); st != api.StageRunning {
		t.Fatalf("transformer-md5 (named by the Pod's metadata.name) is %q, want Running", st)
	}
	for name, b := range objs {
		got, err := cl.GetObjectBytes(ctx, "src", name, api.GetOpts{ETLName: "transformer-md5"})
		if err != nil || string(got) != md5hex(b) {
			t.Fatalf("inline md5 of %s: %q, %v; want %s", name, got, err, md5hex(b))
		}
	}
	id, err := cl.StartETLBucket(ctx, "src", "dst-md5", api.TCBMsg{ETLName: "transformer-md5"})
	if err != nil {
		t.Fatal(err)
	}
	if st := waitJob(t, cl, id); st.ObjsOut != int64(len(objs)) || st.Errors != 0 {
		t.Fatalf("job %+v", st.Counters)
	}
	verifyOut(t, cl, "dst-md5", "", objs, func(b []byte) string { return md5hex(b) })

	// A program of its own, told its port on the command line: 8000 there
	// becomes the port the runtime assigns.
	own := fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: own-echo-ws
  annotations: {communication_type: "ws://", support_direct_put: "true"}
spec:
  containers:
    - name: server
      image: example.com/own-echo:1
      ports: [{name: default, containerPort: 8000}]
      command: [%q, "transformer", "echo", "--host", "127.0.0.1"]
      args: ["--port", "8000"]
      readinessProbe: {httpGet: {path: /health, port: default}}
`, c.Binary)
	if _, err := cl.ETLInit(ctx, podInitMsg(own, "")); err != nil {
		t.Fatal(err)
	}
	yes := true
	id, err = cl.StartETLBucket(ctx, "src", "dst-own", api.TCBMsg{ETLName: "own-echo-ws", DirectPut: &yes})
	if err != nil {
		t.Fatal(err)
	}
	if st := waitJob(t, cl, id); st.ObjsOut != int64(len(objs)) || st.Errors != 0 || !st.DirectPut {
		t.Fatalf("ws job with direct put: %+v, direct put %v", st.Counters, st.DirectPut)
	}
	verifyOut(t, cl, "dst-own", "", objs, func(b []byte) string { return string(b) })

	// Bad input: 4xx naming the field, nothing created.
	noContainers := "apiVersion: v1\nkind: Pod\nmetadata: {name: no-containers}\nspec: {containers: []}\n"
	for _, body := range [][]byte{podInitMsg(noContainers, ""), []byte(noContainers)} {
		_, err := cl.ETLInit(ctx, body)
		if st := api.StatusOf(err); st != 400 || !strings.Contains(err.Error(), "spec.containers") {
			t.Fatalf("Pod spec without containers: %v; want 400 naming spec.containers", err)
		}
	}
	if st := stage("no-containers"); st != "" {
		t.Fatalf("a rejected Pod spec left an ETL (%s)", st)
	}
	noCmd := strings.NewReplacer("aistorage/transformer_md5:latest", "python:3.12-slim", "transformer-md5", "no-command-etl").Replace(quickstartPodSpec)
	noCmd = noCmd[:strings.Index(noCmd, "      command:")] + noCmd[strings.Index(noCmd, "      readinessProbe:"):]
	if _, err := cl.ETLInit(ctx, []byte("name: no-command-etl\nspec: "+base64.StdEncoding.EncodeToString([]byte(noCmd))+"\n")); err == nil ||
		!strings.Contains(err.Error(), `image "python:3.12-slim"`) {
		t.Fatalf("image without command: %v; want an init error naming the image", err)
	}
}
