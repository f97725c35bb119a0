package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/etlbench/etlbench/etlcore/etl"
)

const (
	kubeTestNS    = "etlbench"
	kubeTestNode  = "worker-2"
	kubeTestOwner = "target-1"
)

// newFakeKube returns a runtime over a fake clientset that holds the owner
// (target) pod. When run is true, created transformer pods come up Running
// with an IP, as a kubelet would make them.
func newFakeKube(t *testing.T, run bool) (*Kubernetes, *fake.Clientset) {
	t.Helper()
	owner := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: kubeTestOwner, Namespace: kubeTestNS, UID: "owner-uid"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "node", Image: "etlbench:test"}}},
	}
	cs := fake.NewClientset(owner)
	var n atomic.Int64
	cs.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, kruntime.Object, error) {
		pod := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod)
		id := n.Add(1)
		pod.UID = types.UID(fmt.Sprintf("uid-%d", id))
		if run {
			pod.Status.Phase = corev1.PodRunning
			pod.Status.PodIP = fmt.Sprintf("10.244.2.%d", id)
		} else {
			pod.Status.Phase = corev1.PodPending
		}
		return false, nil, nil
	})
	k, err := NewKubernetes(KubeConfig{Client: cs, Namespace: kubeTestNS, NodeName: kubeTestNode, OwnerPod: kubeTestOwner})
	if err != nil {
		t.Fatal(err)
	}
	return k, cs
}

func kubeTestReq() StartRequest {
	return StartRequest{
		Spec: &etl.Spec{
			Name:        "md5-etl",
			InitTimeout: etl.Duration(5 * time.Second),
			Env:         []etl.EnvVar{{Name: "A", Value: "spec"}, {Name: "PORT", Value: "1"}},
			Runtime: etl.RuntimeSpec{
				Image: "etlbench/transformer-md5",
				Env:   []etl.EnvVar{{Name: "A", Value: "runtime"}, {Name: "B", Value: "b"}},
			},
			Resources: etl.Resources{
				Requests: etl.ResourceList{"cpu": "250m", "memory": "64Mi"},
				Limits:   etl.ResourceList{"memory": "256Mi"},
			},
		},
		TargetID:   "t[1]",
		TargetURL:  "http://10.0.0.2:9000/v1/etl/_object/md5-etl/s3cret",
		DirectPut:  true,
		Mountpaths: []string{"/data/mp0", "/data/mp1"},
	}
}

func kubeEnvMap(c corev1.Container) map[string]string {
	m := map[string]string{}
	for _, e := range c.Env {
		if _, dup := m[e.Name]; dup {
			m["DUPLICATE"] = e.Name
		}
		m[e.Name] = e.Value
	}
	return m
}

func TestKubePodSpec(t *testing.T) {
	k, _ := newFakeKube(t, true)
	k.cfg.HostPaths = map[string]string{"/data/mp1": "/var/lib/kubelet/pods/x/volumes/kubernetes.io~empty-dir/mp1"}
	owner, err := k.ownerRef(context.Background())
	if err != nil || owner == nil || owner.UID != "owner-uid" || owner.Kind != "Pod" {
		t.Fatalf("owner ref = %+v, %v", owner, err)
	}
	pod, err := k.podFor(kubeTestReq(), owner)
	if err != nil {
		t.Fatal(err)
	}
	if pod.Name != "etl-md5-etl-t-1" || pod.Namespace != kubeTestNS {
		t.Errorf("name %s/%s", pod.Namespace, pod.Name)
	}
	terms := pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if len(terms) != 1 || len(terms[0].MatchExpressions) != 1 {
		t.Fatalf("affinity terms %+v", terms)
	}
	if me := terms[0].MatchExpressions[0]; me.Key != "kubernetes.io/hostname" || me.Operator != corev1.NodeSelectorOpIn ||
		len(me.Values) != 1 || me.Values[0] != kubeTestNode {
		t.Errorf("affinity %+v", me)
	}
	c := pod.Spec.Containers[0]
	if c.Image != "etlbench:test" || strings.Join(c.Args, " ") != "transformer md5" || len(c.Command) != 0 {
		t.Errorf("image %q command %q args %q", c.Image, c.Command, c.Args)
	}
	env := kubeEnvMap(c)
	want := map[string]string{
		"AIS_TARGET_URL": "http://10.0.0.2:9000/v1/etl/_object/md5-etl/s3cret",
		"DIRECT_PUT":     "true", "direct_put": "true",
		"PORT": "8000", "HOST": "0.0.0.0", // the contract wins over the spec's PORT=1
		"A": "runtime", "B": "b",
		EnvMountpaths: "/data/mp0:/data/mp1",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("env %s = %q, want %q", k, env[k], v)
		}
	}
	if d, ok := env["DUPLICATE"]; ok {
		t.Errorf("env %s set twice", d)
	}
	p := c.ReadinessProbe
	if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/health" || p.HTTPGet.Port.IntValue() != 8000 {
		t.Errorf("readiness probe %+v", p)
	}
	if len(c.Ports) != 1 || c.Ports[0].ContainerPort != 8000 {
		t.Errorf("ports %+v", c.Ports)
	}
	if q := c.Resources.Requests[corev1.ResourceCPU]; q.Cmp(resource.MustParse("250m")) != 0 {
		t.Errorf("cpu request %s", q.String())
	}
	if q := c.Resources.Requests[corev1.ResourceMemory]; q.Value() != 64<<20 {
		t.Errorf("memory request %s", q.String())
	}
	if q := c.Resources.Limits[corev1.ResourceMemory]; q.Value() != 256<<20 {
		t.Errorf("memory limit %s", q.String())
	}
	if len(c.VolumeMounts) != 2 || len(pod.Spec.Volumes) != 2 {
		t.Fatalf("mounts %+v volumes %+v", c.VolumeMounts, pod.Spec.Volumes)
	}
	for i, mp := range []string{"/data/mp0", "/data/mp1"} {
		m, v := c.VolumeMounts[i], pod.Spec.Volumes[i]
		if m.MountPath != mp || !m.ReadOnly || m.Name != v.Name || v.HostPath == nil {
			t.Errorf("mount %d: %+v volume %+v", i, m, v)
		}
	}
	if pod.Spec.Volumes[0].HostPath.Path != "/data/mp0" ||
		pod.Spec.Volumes[1].HostPath.Path != "/var/lib/kubelet/pods/x/volumes/kubernetes.io~empty-dir/mp1" {
		t.Errorf("host paths %s %s", pod.Spec.Volumes[0].HostPath.Path, pod.Spec.Volumes[1].HostPath.Path)
	}
	if len(pod.OwnerReferences) != 1 || pod.OwnerReferences[0].Name != kubeTestOwner {
		t.Errorf("owner refs %+v", pod.OwnerReferences)
	}
	if pod.Labels[LabelETL] != "md5-etl" || pod.Labels[LabelTarget] != "t-1" || pod.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("labels %v restart %s", pod.Labels, pod.Spec.RestartPolicy)
	}
	svc := k.serviceFor(pod)
	if svc.Spec.Selector[LabelPod] != pod.Name || pod.Labels[LabelPod] != pod.Name || svc.Spec.Ports[0].Port != 8000 {
		t.Errorf("service %+v", svc.Spec)
	}
}

func TestKubePodCommandAndErrors(t *testing.T) {
	k, _ := newFakeKube(t, true)
	req := kubeTestReq()
	req.Spec.Runtime.Image = "example.com/my-transformer:1"
	req.Spec.Runtime.Command = []string{"./server", "-p", "${PORT}", "--host=${HOST}"}
	pod, err := k.podFor(req, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := pod.Spec.Containers[0]
	if c.Image != "example.com/my-transformer:1" || strings.Join(c.Command, " ") != "./server -p 8000 --host=0.0.0.0" || c.Args != nil {
		t.Errorf("image %q command %q args %q", c.Image, c.Command, c.Args)
	}
	if len(pod.OwnerReferences) != 0 {
		t.Errorf("owner refs without owner: %+v", pod.OwnerReferences)
	}

	bad := kubeTestReq()
	bad.Spec.Resources.Limits = etl.ResourceList{"memory": "lots"}
	if _, err := k.podFor(bad, nil); err == nil || !strings.Contains(err.Error(), "resources.limits.memory") {
		t.Errorf("bad quantity: %v", err)
	}
	rel := kubeTestReq()
	rel.Mountpaths = []string{"data"}
	if _, err := k.podFor(rel, nil); err == nil || !strings.Contains(err.Error(), "not absolute") {
		t.Errorf("relative mountpath: %v", err)
	}
	if _, err := NewKubernetes(KubeConfig{Client: fake.NewClientset(), Namespace: kubeTestNS}); err == nil ||
		!strings.Contains(err.Error(), "NODE_NAME") {
		t.Errorf("no node name: %v", err)
	}
	if _, err := NewKubernetes(KubeConfig{Client: fake.NewClientset(), Namespace: kubeTestNS, NodeName: "n", PullPolicy: "Sometimes"}); err == nil {
		t.Error("bad pull policy accepted")
	}
}

func TestTransformerPodName(t *testing.T) {
	long := strings.Repeat("a", 32)
	n1 := TransformerPodName(long, strings.Repeat("Target_", 10)+"1")
	n2 := TransformerPodName(long, strings.Repeat("Target_", 10)+"2")
	for _, n := range []string{n1, n2} {
		if len(n) > 63 || kubeNotDNS.MatchString(n) || strings.HasPrefix(n, "-") || strings.HasSuffix(n, "-") {
			t.Errorf("%q is no DNS label", n)
		}
	}
	if n1 == n2 {
		t.Errorf("names collide: %s", n1)
	}
	if TransformerPodName("x-etl", "t1") != TransformerPodName("x-etl", "t1") {
		t.Error("name not stable")
	}
}

// kubeStartFake starts the transformer and returns once its informer
// watches the pod. The informer lists the pod, then watches from the
// list's resource version; a real API server sends that watch every
// change made since the list, deletions included, but the fake one sends
// only the objects that exist when the watch opens. A deletion made
// between the two reads would never reach the informer, so the test
// waits for the watch before it changes the pod.
func kubeStartFake(t *testing.T, k *Kubernetes, cs *fake.Clientset) Instance {
	t.Helper()
	watching := make(chan struct{})
	var once sync.Once
	cs.PrependWatchReactor("pods", func(a k8stesting.Action) (bool, watch.Interface, error) {
		wa, ok := a.(k8stesting.WatchActionImpl)
		if !ok || wa.ListOptions.ResourceVersion == "" {
			return false, nil, nil // not an informer's watch (those go on from a list)
		}
		w, err := cs.Tracker().Watch(a.GetResource(), a.GetNamespace(), wa.ListOptions)
		if err == nil {
			once.Do(func() { close(watching) })
		}
		return true, w, err
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	inst, err := k.Start(ctx, kubeTestReq())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inst.Stop(context.Background()) })
	select {
	case <-watching:
	case <-ctx.Done():
		t.Fatal("the informer did not watch the transformer pod")
	}
	return inst
}

func kubeWaitDone(t *testing.T, inst Instance) error {
	t.Helper()
	select {
	case <-inst.Done():
		return inst.Err()
	case <-time.After(30 * time.Second):
		t.Fatal("Done not closed")
	}
	return nil
}

func TestKubeStartStop(t *testing.T) {
	k, cs := newFakeKube(t, true)
	inst := kubeStartFake(t, k, cs)
	if inst.URL() != "http://10.244.2.1:8000" {
		t.Errorf("URL %q", inst.URL())
	}
	ctx := context.Background()
	name := TransformerPodName("md5-etl", "t[1]")
	if _, err := cs.CoreV1().Services(kubeTestNS).Get(ctx, name, metav1.GetOptions{}); err != nil {
		t.Fatalf("service: %v", err)
	}
	var logs bytes.Buffer
	if err := inst.Logs(&logs); err != nil || logs.Len() == 0 {
		t.Errorf("logs %q, %v", logs.String(), err)
	}
	if _, err := inst.Metrics(ctx); err == nil || !strings.Contains(err.Error(), "not available") ||
		!strings.Contains(err.Error(), "memory=256Mi") {
		t.Errorf("metrics error %v", err)
	}
	select {
	case <-inst.Done():
		t.Fatal("done while running")
	default:
	}
	if err := inst.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Pods(kubeTestNS).Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("pod after stop: %v", err)
	}
	if _, err := cs.CoreV1().Services(kubeTestNS).Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("service after stop: %v", err)
	}
	if err := kubeWaitDone(t, inst); err != nil {
		t.Errorf("Err after a requested stop: %v", err)
	}
	if err := inst.Stop(ctx); err != nil {
		t.Errorf("second stop: %v", err)
	}
}

func TestKubeFailures(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*corev1.Pod)
		want   string
	}{
		{"image pull", func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "transformer", State: corev1.ContainerState{
				Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: `Back-off pulling image "nope:1"`}}}}
		}, "ImagePullBackOff: container transformer: Back-off pulling image"},
		{"oom", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodFailed
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "transformer", State: corev1.ContainerState{
				Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}}}}
		}, "OOMKilled: container transformer exited with code 137"},
		{"crash", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodFailed
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "transformer", State: corev1.ContainerState{
				Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 2}}}}
		}, "Error: container transformer exited with code 2"},
		{"evicted", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodFailed
			p.Status.Reason = "Evicted"
			p.Status.Message = "The node was low on resource: memory."
		}, "Evicted: The node was low on resource: memory."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k, cs := newFakeKube(t, true)
			inst := kubeStartFake(t, k, cs)
			ctx := context.Background()
			pods := cs.CoreV1().Pods(kubeTestNS)
			pod, err := pods.Get(ctx, TransformerPodName("md5-etl", "t[1]"), metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tc.mutate(pod)
			if _, err := pods.UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			err = kubeWaitDone(t, inst)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), kubeTestNode) {
				t.Errorf("Err = %v, want %q", err, tc.want)
			}
			if err := inst.Stop(ctx); err != nil {
				t.Fatal(err)
			}
			if err2 := inst.Err(); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("Err after stop = %v", err2)
			}
			if _, err := pods.Get(ctx, pod.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("failed pod not deleted by Stop: %v", err)
			}
		})
	}
}

func TestKubeDeletedPod(t *testing.T) {
	k, cs := newFakeKube(t, true)
	inst := kubeStartFake(t, k, cs)
	name := TransformerPodName("md5-etl", "t[1]")
	if err := cs.CoreV1().Pods(kubeTestNS).Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := kubeWaitDone(t, inst); err == nil || !strings.Contains(err.Error(), "Deleted") || errors.Is(err, ErrOwnerLeaving) {
		t.Errorf("Err = %v, want the transformer pod's deletion (its owner lives)", err)
	}
}

// A transformer pod deleted with its owner (the target's pod is gone, or
// replaced by a new pod of the same name) ends with ErrOwnerLeaving: the
// target's shutdown, not the transformer's failure.
func TestKubeDeletedWithOwner(t *testing.T) {
	for _, replaced := range []bool{false, true} {
		t.Run(fmt.Sprintf("replaced=%v", replaced), func(t *testing.T) {
			k, cs := newFakeKube(t, true)
			inst := kubeStartFake(t, k, cs)
			ctx := context.Background()
			pods := cs.CoreV1().Pods(kubeTestNS)
			if err := pods.Delete(ctx, kubeTestOwner, metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			if replaced {
				if _, err := pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: kubeTestOwner, Namespace: kubeTestNS}}, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			if err := pods.Delete(ctx, TransformerPodName("md5-etl", "t[1]"), metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			err := kubeWaitDone(t, inst)
			if !errors.Is(err, ErrOwnerLeaving) || !strings.Contains(err.Error(), kubeTestOwner) {
				t.Errorf("Err = %v, want ErrOwnerLeaving naming %s", err, kubeTestOwner)
			}
		})
	}
}

func TestKubeStartFailsAndCleansUp(t *testing.T) {
	k, cs := newFakeKube(t, false)
	name := TransformerPodName("md5-etl", "t[1]")
	ctx := context.Background()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// The "kubelet": the image cannot be pulled.
	go func() {
		for sctx.Err() == nil {
			pod, err := cs.CoreV1().Pods(kubeTestNS).Get(ctx, name, metav1.GetOptions{})
			if err == nil {
				pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "transformer", State: corev1.ContainerState{
					Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImageNeverPull", Message: "image not present"}}}}
				if _, err := cs.CoreV1().Pods(kubeTestNS).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err == nil {
					return
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	if _, err := k.Start(sctx, kubeTestReq()); err == nil || !strings.Contains(err.Error(), "ErrImageNeverPull") {
		t.Fatalf("start: %v", err)
	}
	if _, err := cs.CoreV1().Pods(kubeTestNS).Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("pod left after failed start: %v", err)
	}
	if _, err := cs.CoreV1().Services(kubeTestNS).Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("service left after failed start: %v", err)
	}

	// A pod that stays Pending: the init timeout names its status.
	tctx, tcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer tcancel()
	if _, err := k.Start(tctx, kubeTestReq()); err == nil || !strings.Contains(err.Error(), "not running (Pending") {
		t.Fatalf("pending start: %v", err)
	}
	if _, err := cs.CoreV1().Pods(kubeTestNS).Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("pod left after timeout: %v", err)
	}
}

func TestPodFailurePending(t *testing.T) {
	p := &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{
		Name: "transformer", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}}}}
	if r := PodFailure(p); r != "" {
		t.Errorf("ContainerCreating is a failure: %q", r)
	}
	p.Status.Phase = corev1.PodSucceeded
	p.Status.ContainerStatuses = nil
	if r := PodFailure(p); !strings.HasPrefix(r, "Completed") {
		t.Errorf("succeeded: %q", r)
	}
}

func TestMetricsDecoding(t *testing.T) {
	summary := []byte(`{"node":{},"pods":[
	 {"podRef":{"name":"other","namespace":"etlbench"},"cpu":{"usageCoreNanoSeconds":1},"memory":{"rssBytes":1}},
	 {"podRef":{"name":"etl-x-t1","namespace":"etlbench"},"cpu":{"usageCoreNanoSeconds":2500000000},"memory":{"workingSetBytes":9000,"rssBytes":4096}}]}`)
	m, ok, err := kubeStatsSummaryMetrics(summary, "etlbench", "etl-x-t1")
	if err != nil || !ok || m.CPUSeconds != 2.5 || m.RSSBytes != 4096 {
		t.Errorf("summary: %+v %v %v", m, ok, err)
	}
	fresh := []byte(`{"pods":[{"podRef":{"name":"new","namespace":"etlbench"},"cpu":{},"memory":{}}]}`)
	if _, ok, err := kubeStatsSummaryMetrics(fresh, "etlbench", "new"); ok || err != nil {
		t.Errorf("a pod without measurements gave metrics (%v)", err)
	}
	if _, ok, _ := kubeStatsSummaryMetrics(summary, "etlbench", "missing"); ok {
		t.Error("found a missing pod")
	}
	if _, _, err := kubeStatsSummaryMetrics([]byte("{"), "a", "b"); err == nil {
		t.Error("bad JSON accepted")
	}
	m, err = kubeMetricsAPIMetrics([]byte(`{"containers":[{"name":"transformer","usage":{"cpu":"5m","memory":"12Mi"}}]}`))
	if err != nil || m.RSSBytes != 12<<20 {
		t.Errorf("metrics API: %+v %v", m, err)
	}
}

func TestParseHostPaths(t *testing.T) {
	m, err := ParseHostPaths("/mp0=/node/a, /mp1=/node/b")
	if err != nil || m["/mp0"] != "/node/a" || m["/mp1"] != "/node/b" {
		t.Errorf("%v %v", m, err)
	}
	if _, err := ParseHostPaths("mp0=/x"); err == nil {
		t.Error("relative mountpath accepted")
	}
}
