package runtime

import (
	"context"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/etlbench/etlbench/etlcore/etl"
)

// podSpec parses a pod-spec ETL of the given image, command line and port.
func podSpec(t *testing.T, name, image, command string, port int) *etl.Spec {
	t.Helper()
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\n  annotations: {communication_type: \"hpush://\"}\nspec:\n  containers:\n" +
		"    - name: server\n      image: " + image + "\n      ports: [{name: default, containerPort: " + strconv.Itoa(port) + "}]\n" +
		"      env: [{name: FROM_POD, value: pod}]\n" +
		"      readinessProbe: {httpGet: {path: /health, port: default}}\n"
	if command != "" {
		pod += "      command: " + command + "\n"
	}
	s, err := etl.ParseSpec([]byte(pod))
	if err != nil {
		t.Fatal(err)
	}
	s.Normalize()
	return s
}

// TestPodAsRuntime: in the process runtime a Pod spec's container runs
// as a process: a built-in image (or an AIStore image standing for one) as
// the built-in, its command ignored; another image by its command and
// args, with the container port's number replaced by the assigned port;
// an image without command fails naming it.
func TestPodAsRuntime(t *testing.T) {
	for _, c := range []struct{ image, command, want string }{
		{"etlbench/transformer-md5", "", "SELF transformer md5"},
		{"aistorage/transformer_md5:latest", `["uvicorn", "fastapi_server:fastapi_app", "--port", "8000"]`, "SELF transformer md5"},
		{"docker.io/aistorage/transformer_hash_with_args", "", "SELF transformer hash-with-args"},
		{"example.com/mine:1", `["./server", "--port", "8000", "--listen=0.0.0.0:8000", "--other=18000", "8000x"]`,
			"./server --port 4242 --listen=0.0.0.0:4242 --other=18000 8000x"},
	} {
		s := podSpec(t, "pod-etl", c.image, c.command, 8000)
		rs, err := podAsRuntime(s)
		if err != nil {
			t.Fatalf("%s: %v", c.image, err)
		}
		argv, err := buildCommand(StartRequest{Spec: rs}, "SELF", "127.0.0.1", 4242)
		if err != nil || strings.Join(argv, " ") != c.want {
			t.Errorf("%s %s: runs %q, %v; want %q", c.image, c.command, argv, err, c.want)
		}
		env := strings.Join(buildEnv(nil, StartRequest{Spec: rs}, "127.0.0.1", 4242), " ")
		if !strings.Contains(env, "FROM_POD=pod") || !strings.Contains(env, "PORT=4242") {
			t.Errorf("%s: env %s; want the container's FROM_POD and the assigned PORT", c.image, env)
		}
	}
	_, err := NewProcess(ProcessConfig{}).Start(context.Background(), StartRequest{Spec: podSpec(t, "no-command", "python:3.12", "", 8000), WorkDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), `image "python:3.12"`) || !strings.Contains(err.Error(), "spec.containers[0].command") {
		t.Fatalf("image without command: %v; want an error naming the image and the command field", err)
	}
	for img, want := range map[string]string{
		"aistorage/transformer_md5":               "md5",
		"aistorage/transformer_echo:v1.2":         "echo",
		"aistorage/transformer_echo_go:latest":    "echo",
		"aistorage/transformer_compress":          "compress",
		"aistorage/transformer_hello_world":       "",
		"registry:5000/aistorage/transformer_md5": "",
	} {
		if got, ok := PublishedTransformer(img); got != want || ok != (want != "") {
			t.Errorf("PublishedTransformer(%q) = %q, %v; want %q", img, got, ok, want)
		}
	}
}

// TestKubePodFromSpec: on Kubernetes a Pod spec is used as given (image,
// command, port, probe, the user's labels and annotations) and placed,
// owned and given the contract like the runtime form's pods; the
// transformer URL and its service use the Pod's port.
func TestKubePodFromSpec(t *testing.T) {
	k, _ := newFakeKube(t, true)
	owner, err := k.ownerRef(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	req := kubeTestReq()
	req.Spec = podSpec(t, "pod-md5", "example.com/mine:1", `["./server", "--port", "8080"]`, 8080)
	pod, err := k.podFor(req, owner)
	if err != nil {
		t.Fatal(err)
	}
	if pod.Name != "etl-pod-md5-t-1" || pod.Namespace != kubeTestNS || pod.Annotations["communication_type"] != "hpush://" ||
		pod.Labels[LabelETL] != "pod-md5" || len(pod.OwnerReferences) != 1 || pod.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Fatalf("pod meta %+v restart %s", pod.ObjectMeta, pod.Spec.RestartPolicy)
	}
	if me := pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0]; me.Values[0] != kubeTestNode {
		t.Fatalf("placed by %+v", me)
	}
	c := pod.Spec.Containers[0]
	if c.Name != "server" || c.Image != "example.com/mine:1" || strings.Join(c.Command, " ") != "./server --port 8080" ||
		c.Ports[0].ContainerPort != 8080 || c.ReadinessProbe.HTTPGet.Port.String() != "default" {
		t.Fatalf("container as given: %+v", c)
	}
	env := kubeEnvMap(c)
	if env["FROM_POD"] != "pod" || env["PORT"] != "8080" || env["AIS_TARGET_URL"] != req.TargetURL || env["DUPLICATE"] != "" {
		t.Fatalf("env %v", env)
	}
	if len(c.VolumeMounts) != 2 || len(pod.Spec.Volumes) != 2 || !c.VolumeMounts[0].ReadOnly {
		t.Fatalf("mounts %+v volumes %+v", c.VolumeMounts, pod.Spec.Volumes)
	}
	if svc := k.serviceFor(pod); svc.Spec.Ports[0].Port != 8080 {
		t.Fatalf("service port %d", svc.Spec.Ports[0].Port)
	}
	inst, err := k.Start(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Stop(context.Background())
	if u := inst.URL(); !strings.HasSuffix(u, ":8080") {
		t.Fatalf("transformer URL %s; want the Pod's port 8080", u)
	}
	// A built-in image runs from the etlbench image.
	req.Spec = podSpec(t, "pod-builtin", "etlbench/transformer-md5", "", 8000)
	pod, err = k.podFor(req, owner)
	if err != nil {
		t.Fatal(err)
	}
	if c := pod.Spec.Containers[0]; c.Image != "etlbench:test" || strings.Join(c.Args, " ") != "transformer md5" {
		t.Fatalf("built-in: image %q args %q", c.Image, c.Args)
	}
}
