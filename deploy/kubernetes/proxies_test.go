package kubedeploy

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The fake clientset stands in for a cluster here; TestKubernetesProxyFailover
// runs the same deployment on a real one.
func TestDeployThreeProxies(t *testing.T) {
	cs := fakeCluster(3)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// A proxy Deployment of an older deploy: replaced by the StatefulSet.
	old := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: ProxyName, Namespace: "etlbench"}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "etlbench"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AppsV1().Deployments("etlbench").Create(ctx, old, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	go controllers(ctx, cs, "etlbench", 3)
	res, err := Deploy(ctx, cs, Options{Targets: 3, Proxies: 3, HostNetwork: true, DataDir: "/data/x"}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"http://10.0.0.12:51080", "http://10.0.0.13:51080", "http://10.0.0.11:51080"}
	if !slices.Equal(res.ProxyURLs, want) || res.ProxyURL != want[0] || res.Proxy.Name != ProxyName+"-0" || len(res.Proxies) != 3 {
		t.Errorf("proxies %v (first %s, %s), want %v in pod order", res.ProxyURLs, res.ProxyURL, res.Proxy.Name, want)
	}
	if _, err := cs.AppsV1().Deployments("etlbench").Get(ctx, ProxyName, metav1.GetOptions{}); err == nil {
		t.Error("the old proxy Deployment is still there")
	}
	ts := must(cs.AppsV1().StatefulSets("etlbench").Get(ctx, TargetName, metav1.GetOptions{}))
	if args := strings.Join(ts.Spec.Template.Spec.Containers[0].Args, " "); !strings.Contains(args, "--proxy "+strings.Join(want, ",")) {
		t.Errorf("targets do not know every proxy: %s", args)
	}
	ps := must(cs.AppsV1().StatefulSets("etlbench").Get(ctx, ProxyName, metav1.GetOptions{}))
	spec := ps.Spec.Template.Spec
	args := strings.Join(spec.Containers[0].Args, " ")
	switch {
	case *ps.Spec.Replicas != 3 || ps.Spec.PodManagementPolicy != appsv1.OrderedReadyPodManagement || ps.Spec.ServiceName != ProxiesServiceName:
		t.Errorf("proxies: %d replicas, %s, service %q", *ps.Spec.Replicas, ps.Spec.PodManagementPolicy, ps.Spec.ServiceName)
	case !strings.Contains(args, "--id $(POD_NAME)") || !strings.Contains(args, "--peer-selector "+selectorString("proxy")):
		t.Errorf("proxy args %s", args)
	case spec.ServiceAccountName != ServiceAccountName:
		t.Errorf("proxies cannot list their peers: service account %q", spec.ServiceAccountName)
	case spec.Affinity == nil || spec.Affinity.PodAntiAffinity == nil:
		t.Error("proxies on the host network may share a node")
	case spec.Volumes[0].HostPath == nil || spec.Volumes[0].HostPath.Path != "/data/x/proxies" || spec.Containers[0].VolumeMounts[0].SubPathExpr != "$(POD_NAME)":
		t.Errorf("proxy state is not kept on the node per pod: %+v %+v", spec.Volumes[0], spec.Containers[0].VolumeMounts[0])
	}
	hs := must(cs.CoreV1().Services("etlbench").Get(ctx, ProxiesServiceName, metav1.GetOptions{}))
	if hs.Spec.ClusterIP != corev1.ClusterIPNone || !hs.Spec.PublishNotReadyAddresses {
		t.Errorf("proxies' headless service %+v", hs.Spec)
	}
}

func TestProxyOptionsChecked(t *testing.T) {
	cs := fakeCluster(3)
	ctx := context.Background()
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Proxies: 17}, "--proxies 17: want 1..16"},
		{Options{Proxies: -1}, "--proxies -1"},
		{Options{Targets: 3, Proxies: 4, HostNetwork: true}, "4 proxies on the host network need 4 schedulable nodes"},
	} {
		if _, err := Deploy(ctx, cs, c.o, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
	if _, err := Build(Options{Proxies: 1}); err != nil {
		t.Fatal(err)
	}
	one := must(Build(Options{}))
	if a := strings.Join(one.Proxies.Spec.Template.Spec.Containers[0].Args, " "); strings.Contains(a, "--peer-selector") {
		t.Errorf("a single proxy looks for peers: %s", a)
	}
	if v := one.Proxies.Spec.Template.Spec.Volumes[0]; v.HostPath == nil {
		t.Errorf("hostPath mountpaths, yet the proxy state is %+v", v)
	}
	if v := must(Build(Options{MountpathType: MountEmptyDir})).Proxies.Spec.Template.Spec.Volumes[0]; v.EmptyDir == nil {
		t.Errorf("emptyDir mountpaths keep no data on the node, yet the proxy state is %+v", v)
	}
}

func TestPeerURLs(t *testing.T) {
	cs := fakeCluster(3)
	ctx := context.Background()
	pending := readyPod("ns", ProxyName+"-3", "proxy", "w1", "")
	gone := readyPod("ns", ProxyName+"-4", "proxy", "w1", "10.0.0.99")
	now := metav1.Now()
	gone.DeletionTimestamp = &now
	for _, p := range []*corev1.Pod{
		readyPod("ns", ProxyName+"-2", "proxy", "w3", "10.0.0.13"),
		readyPod("ns", ProxyName+"-10", "proxy", "w3", "10.0.0.20"),
		readyPod("ns", ProxyName+"-0", "proxy", "w1", "10.0.0.11"),
		readyPod("ns", ProxyName+"-1", "proxy", "w2", "10.0.0.12"),
		readyPod("ns", TargetName+"-0", "target", "w1", "10.0.0.11"),
		pending, gone,
	} {
		if _, err := cs.CoreV1().Pods("ns").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := PeerURLs(ctx, cs, "ns", ProxyName+"-1", selectorString("proxy"), 8080)
	want := []string{"http://10.0.0.11:8080", "http://10.0.0.13:8080", "http://10.0.0.20:8080"}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("peers of proxy 1: %v, %v; want %v (self, targets, pods without an address or being deleted left out; in pod order)", got, err, want)
	}
}
