package kubedeploy

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/etlbench/etlbench/etlcore/runtime"
)

func envOf(c corev1.Container) map[string]corev1.EnvVar {
	m := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		m[e.Name] = e
	}
	return m
}

func TestBuildTargets(t *testing.T) {
	objs, err := Build(Options{Targets: 3, Mountpaths: 2, HostNetwork: true, ProxyURL: "http://10.0.0.9:51080", APIServer: "172.18.0.2:6443"})
	if err != nil {
		t.Fatal(err)
	}
	ss := objs.Targets
	if *ss.Spec.Replicas != 3 || ss.Namespace != "etlbench" || ss.Spec.ServiceName != TargetsServiceName {
		t.Errorf("statefulset %s/%s replicas %d", ss.Namespace, ss.Name, *ss.Spec.Replicas)
	}
	ps := ss.Spec.Template.Spec
	aa := ps.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	if len(aa) != 1 || aa[0].TopologyKey != "kubernetes.io/hostname" || aa[0].LabelSelector.MatchLabels[LabelComponent] != "target" {
		t.Errorf("anti-affinity %+v", aa)
	}
	if ss.Spec.Template.Labels[LabelComponent] != "target" || ps.ServiceAccountName != ServiceAccountName || !ps.HostNetwork {
		t.Errorf("template labels %v sa %q hostNetwork %v", ss.Spec.Template.Labels, ps.ServiceAccountName, ps.HostNetwork)
	}
	c := ps.Containers[0]
	args := strings.Join(c.Args, " ")
	for _, want := range []string{"node --role target --id $(POD_NAME)", "--runtime kubernetes", "--proxy http://10.0.0.9:51080",
		"--advertise http://$(POD_IP):51081", "--mountpath /var/lib/etlbench-data/etlbench/mp1", "--mountpath /var/lib/etlbench-data/etlbench/mp2"} {
		if !strings.Contains(args, want) {
			t.Errorf("args %q lack %q", args, want)
		}
	}
	env := envOf(c)
	for name, path := range map[string]string{"NODE_NAME": "spec.nodeName", "POD_NAMESPACE": "metadata.namespace",
		"POD_NAME": "metadata.name", "POD_IP": "status.podIP"} {
		if e, ok := env[name]; !ok || e.ValueFrom == nil || e.ValueFrom.FieldRef.FieldPath != path {
			t.Errorf("env %s = %+v, want downward %s", name, e, path)
		}
	}
	if env["KUBERNETES_SERVICE_HOST"].Value != "172.18.0.2" || env["KUBERNETES_SERVICE_PORT"].Value != "6443" {
		t.Errorf("api server env %+v %+v", env["KUBERNETES_SERVICE_HOST"], env["KUBERNETES_SERVICE_PORT"])
	}
	if env[runtime.EnvImage].Value != "etlbench:dev" || c.Image != "etlbench:dev" {
		t.Errorf("image %q env %q", c.Image, env[runtime.EnvImage].Value)
	}
	var hostPaths int
	for _, v := range ps.Volumes {
		if v.HostPath != nil {
			hostPaths++
			if !strings.HasPrefix(v.HostPath.Path, "/var/lib/etlbench-data/etlbench/mp") {
				t.Errorf("host path %s", v.HostPath.Path)
			}
		}
	}
	if hostPaths != 2 {
		t.Errorf("%d hostPath volumes, want 2", hostPaths)
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != "/v1/health" || c.ReadinessProbe.HTTPGet.Port.IntValue() != 51081 {
		t.Errorf("probe %+v", c.ReadinessProbe)
	}

	// RBAC: the targets manage their transformer pods and services and read logs.
	verbs := map[string]string{}
	for _, r := range objs.Role.Rules {
		for _, res := range r.Resources {
			verbs[res] = strings.Join(r.Verbs, ",")
		}
	}
	if verbs["pods"] != "create,get,list,watch,delete" || verbs["services"] != verbs["pods"] || !strings.Contains(verbs["pods/log"], "get") {
		t.Errorf("role verbs %v", verbs)
	}
	if objs.RoleBinding.Subjects[0].Name != ServiceAccountName || objs.RoleBinding.RoleRef.Name != RoleName {
		t.Errorf("binding %+v", objs.RoleBinding)
	}
	if objs.ProxyService.Spec.Type != corev1.ServiceTypeNodePort || objs.ProxyService.Spec.Selector[LabelComponent] != "proxy" {
		t.Errorf("proxy service %+v", objs.ProxyService.Spec)
	}
	if sp := objs.ProxiesService.Spec; sp.ClusterIP != corev1.ClusterIPNone || !sp.PublishNotReadyAddresses || sp.Selector[LabelComponent] != "proxy" {
		t.Errorf("proxies' headless service %+v", sp)
	}
	if sp := objs.TargetsService.Spec; sp.ClusterIP != corev1.ClusterIPNone || sp.Selector[LabelComponent] != "target" {
		t.Errorf("targets' headless service %+v", sp)
	}
	for _, sv := range []*corev1.Service{objs.ProxiesService, objs.ProxyService, objs.TargetsService} {
		want := int32(51080)
		if sv.Spec.Selector[LabelComponent] == "target" {
			want = 51081
		}
		if p := sv.Spec.Ports; len(p) != 1 || p[0].Port != want || p[0].TargetPort.IntVal != want || sv.Namespace != "etlbench" {
			t.Errorf("service %s in %q: ports %+v, want %d", sv.Name, sv.Namespace, p, want)
		}
	}
}

func TestBuildEmptyDirAndErrors(t *testing.T) {
	objs, err := Build(Options{Namespace: "bench", Targets: 2, MountpathType: MountEmptyDir})
	if err != nil {
		t.Fatal(err)
	}
	c := objs.Targets.Spec.Template.Spec.Containers[0]
	hp := envOf(c)[runtime.EnvHostPaths].Value
	if hp != "/var/lib/etlbench-data/mp1=/var/lib/kubelet/pods/$(POD_UID)/volumes/kubernetes.io~empty-dir/mp1" {
		t.Errorf("host paths %q", hp)
	}
	// POD_UID must come before the variable that refers to it.
	var uid, ref int
	for i, e := range c.Env {
		switch e.Name {
		case "POD_UID":
			uid = i
		case runtime.EnvHostPaths:
			ref = i
		}
	}
	if uid >= ref {
		t.Errorf("POD_UID at %d, %s at %d", uid, runtime.EnvHostPaths, ref)
	}
	sized, err := Build(Options{Namespace: "bench", Targets: 1, MountpathType: MountEmptyDir, MountpathSize: "2Mi"})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range sized.Targets.Spec.Template.Spec.Volumes {
		if v.Name == "mp1" && (v.EmptyDir == nil || v.EmptyDir.Medium != corev1.StorageMediumMemory ||
			v.EmptyDir.SizeLimit == nil || v.EmptyDir.SizeLimit.Value() != 2<<20) {
			t.Errorf("mountpath of 2Mi: volume %+v, want a memory emptyDir limited to 2Mi", v.VolumeSource)
		}
	}
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Targets: -1}, "--targets"},
		{Options{Mountpaths: 17}, "--mountpaths"},
		{Options{MountpathType: "nfs"}, "--mountpath-type"},
		{Options{ProxyPort: 80, TargetPort: 80}, "ports"},
		{Options{PullPolicy: "Sometimes"}, "pull policy"},
		{Options{MountpathSize: "2Mi"}, "needs --mountpath-type emptyDir"},
		{Options{MountpathType: MountEmptyDir, MountpathSize: "lots"}, `--mountpath-size "lots"`},
		{Options{MountpathType: MountEmptyDir, MountpathSize: "-1Mi"}, "positive"},
		{Options{DataDir: "data"}, `--data-dir "data"`},
		{Options{DataDir: "/srv/../etc"}, "clean absolute"},
		{Options{DataDir: "/"}, "other than /"},
	} {
		if _, err := Build(tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error saying %q", tc.o, err, tc.want)
		}
	}
	// --data-dir moves the hostPath mountpaths (and only them).
	objs, err = Build(Options{Namespace: "bench", Targets: 1, DataDir: "/srv/run-7"})
	if err != nil {
		t.Fatal(err)
	}
	ps := objs.Targets.Spec.Template.Spec
	if args := strings.Join(ps.Containers[0].Args, " "); !strings.Contains(args, "--mountpath /srv/run-7/mp1") {
		t.Errorf("target args %q: want the mountpath under --data-dir", args)
	}
	for _, v := range ps.Volumes {
		if v.HostPath != nil && v.HostPath.Path != "/srv/run-7/mp1" {
			t.Errorf("hostPath volume %s at %s, want /srv/run-7/mp1", v.Name, v.HostPath.Path)
		}
	}
}

func readyNode(name string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
}

func readyPod(ns, name, component, node, ip string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels(Options{Namespace: ns}, component)},
		Spec:       corev1.PodSpec{NodeName: node},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
}

// fakeCluster has a control plane (tainted) and workers, and an API server endpoint.
func fakeCluster(workers int) *fake.Clientset {
	cp := readyNode("cp")
	cp.Spec.Taints = []corev1.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}}
	objs := []kruntime.Object{cp}
	for i := 1; i <= workers; i++ {
		objs = append(objs, readyNode(fmt.Sprintf("w%d", i)))
	}
	https, port := "https", int32(6443)
	objs = append(objs, &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default",
			Labels: map[string]string{"kubernetes.io/service-name": "kubernetes"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"172.18.0.2"}}},
		Ports:       []discoveryv1.EndpointPort{{Name: &https, Port: &port}},
	})
	return fake.NewClientset(objs...)
}

// controllers plays the Deployment and StatefulSet controllers and the
// kubelets: once the workloads exist, their pods appear ready.
func controllers(ctx context.Context, cs *fake.Clientset, ns string, targets int) {
	proxyDone, targetsDone := false, false
	for !(proxyDone && targetsDone) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Millisecond):
		}
		if !proxyDone {
			if ss, err := cs.AppsV1().StatefulSets(ns).Get(ctx, ProxyName, metav1.GetOptions{}); err == nil {
				// On the host network: proxy i on node w(2+i), at its address.
				for i := 0; i < int(*ss.Spec.Replicas); i++ {
					w := (1+i)%3 + 1
					p := readyPod(ns, fmt.Sprintf("%s-%d", ProxyName, i), "proxy", fmt.Sprintf("w%d", w), fmt.Sprintf("10.0.0.%d", 10+w))
					_, _ = cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
				}
				proxyDone = true
			}
		}
		if !targetsDone {
			if _, err := cs.AppsV1().StatefulSets(ns).Get(ctx, TargetName, metav1.GetOptions{}); err == nil {
				for i := 0; i < targets; i++ {
					p := readyPod(ns, fmt.Sprintf("%s-%d", TargetName, i), "target", fmt.Sprintf("w%d", i+1), fmt.Sprintf("10.0.0.%d", 11+i))
					_, _ = cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
				}
				targetsDone = true
			}
		}
	}
}

func TestDeployAndUndeploy(t *testing.T) {
	cs := fakeCluster(3)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go controllers(ctx, cs, "etlbench", 3)
	res, err := Deploy(ctx, cs, Options{Targets: 3, HostNetwork: true}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if res.ProxyURL != "http://10.0.0.12:51080" || len(res.Targets) != 3 || res.Targets[2].Node != "w3" {
		t.Errorf("result %+v", res)
	}
	ss, err := cs.AppsV1().StatefulSets("etlbench").Get(ctx, TargetName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := ss.Spec.Template.Spec.Containers[0]
	if args := strings.Join(c.Args, " "); !strings.Contains(args, "--proxy http://10.0.0.12:51080") {
		t.Errorf("targets join %q", args)
	}
	if envOf(c)["KUBERNETES_SERVICE_HOST"].Value != "172.18.0.2" {
		t.Errorf("api server endpoint not found: %+v", envOf(c)["KUBERNETES_SERVICE_HOST"])
	}
	for _, get := range []func() error{
		func() error {
			_, err := cs.CoreV1().ServiceAccounts("etlbench").Get(ctx, ServiceAccountName, metav1.GetOptions{})
			return err
		},
		func() error {
			_, err := cs.RbacV1().Roles("etlbench").Get(ctx, RoleName, metav1.GetOptions{})
			return err
		},
		func() error {
			_, err := cs.RbacV1().RoleBindings("etlbench").Get(ctx, RoleName, metav1.GetOptions{})
			return err
		},
		func() error {
			_, err := cs.CoreV1().Services("etlbench").Get(ctx, ProxyName, metav1.GetOptions{})
			return err
		},
		func() error {
			_, err := cs.CoreV1().Services("etlbench").Get(ctx, TargetsServiceName, metav1.GetOptions{})
			return err
		},
		func() error {
			_, err := cs.AppsV1().StatefulSets("etlbench").Get(ctx, ProxyName, metav1.GetOptions{})
			return err
		},
		func() error {
			_, err := cs.RbacV1().ClusterRoles().Get(ctx, clusterName("etlbench"), metav1.GetOptions{})
			return err
		},
	} {
		if err := get(); err != nil {
			t.Error(err)
		}
	}
	// Deploying again updates in place.
	if _, err := Deploy(ctx, cs, Options{Targets: 3, HostNetwork: true}, nil); err != nil {
		t.Fatalf("second deploy: %v", err)
	}

	if err := Undeploy(ctx, cs, "etlbench", t.Logf); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, "etlbench", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace after undeploy: %v", err)
	}
	if _, err := cs.RbacV1().ClusterRoles().Get(ctx, clusterName("etlbench"), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("cluster role after undeploy: %v", err)
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Get(ctx, clusterName("etlbench"), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("cluster role binding after undeploy: %v", err)
	}
}

func TestUndeployInExistingNamespace(t *testing.T) {
	cs := fakeCluster(2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shared"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	other := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "someone-else", Namespace: "shared"}}
	if _, err := cs.CoreV1().Services("shared").Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	go controllers(ctx, cs, "shared", 2)
	if _, err := Deploy(ctx, cs, Options{Namespace: "shared", Targets: 2}, nil); err != nil {
		t.Fatal(err)
	}
	// A transformer pod a target made.
	tp := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "etl-md5-t0", Namespace: "shared",
		Labels: map[string]string{runtime.LabelApp: runtime.AppTransformer}}}
	if _, err := cs.CoreV1().Pods("shared").Create(ctx, tp, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := Undeploy(ctx, cs, "shared", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, "shared", metav1.GetOptions{}); err != nil {
		t.Errorf("a namespace deploy did not create was deleted: %v", err)
	}
	svcs, _ := cs.CoreV1().Services("shared").List(ctx, metav1.ListOptions{})
	if len(svcs.Items) != 1 || svcs.Items[0].Name != "someone-else" {
		t.Errorf("services left: %v", svcs.Items)
	}
	for _, n := range []int{
		len(must(cs.AppsV1().StatefulSets("shared").List(ctx, metav1.ListOptions{})).Items),
		len(must(cs.AppsV1().Deployments("shared").List(ctx, metav1.ListOptions{})).Items),
		len(must(cs.RbacV1().Roles("shared").List(ctx, metav1.ListOptions{})).Items),
		len(must(cs.CoreV1().ServiceAccounts("shared").List(ctx, metav1.ListOptions{})).Items),
	} {
		if n != 0 {
			t.Errorf("objects left after undeploy")
		}
	}
	if p, _ := cs.CoreV1().Pods("shared").List(ctx, metav1.ListOptions{}); len(p.Items) != 0 {
		t.Errorf("%d pods left", len(p.Items))
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestDeployChecksNodesAndPodFailures(t *testing.T) {
	cs := fakeCluster(2)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := Deploy(ctx, cs, Options{Targets: 3}, nil); err == nil || !strings.Contains(err.Error(), "3 targets need 3 schedulable nodes") {
		t.Errorf("too few nodes: %v", err)
	}
	p := readyPod("etlbench", "etlbench-target-0", "target", "w1", "")
	p.Status.Phase = corev1.PodPending
	p.Status.Conditions = nil
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "target", State: corev1.ContainerState{
		Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImageNeverPull", Message: `image "etlbench:dev" is not present`}}}}
	if _, err := cs.CoreV1().Pods("etlbench").Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := WaitPodsReady(ctx, cs, "etlbench", selectorString("target"), 1, nil)
	if err == nil || !strings.Contains(err.Error(), "etlbench-target-0: ErrImageNeverPull") {
		t.Errorf("image failure: %v", err)
	}
	short, cancel2 := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel2()
	if _, err := WaitPodsReady(short, cs, "etlbench", selectorString("proxy"), 1, nil); err == nil || !strings.Contains(err.Error(), "0 of 1 pods ready") {
		t.Errorf("timeout: %v", err)
	}
}
