package kubedeploy

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/runtime"
	"github.com/etlbench/etlbench/internal/faultcheck"
)

// e2eKubeconfig finds the cluster of the end-to-end test: $KUBECONFIG, else
// the one `make kind-up` recorded; "" and the reason when there is none.
func e2eKubeconfig() (string, string) {
	if v := os.Getenv("KUBECONFIG"); v != "" {
		return v, ""
	}
	work := os.Getenv("ETLBENCH_KUBE_WORK")
	if work == "" {
		home, _ := os.UserHomeDir()
		work = filepath.Join(home, ".cache", "etlbench", "kube")
	}
	env := filepath.Join(work, "cluster.env")
	f, err := os.Open(env)
	if err != nil {
		return "", fmt.Sprintf("no Kubernetes cluster: KUBECONFIG is unset and 'make kind-up' has not run (no %s)", env)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "KUBECONFIG="); ok && v != "" {
			return v, ""
		}
	}
	return "", fmt.Sprintf("no Kubernetes cluster: %s names no KUBECONFIG", env)
}

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

// TestKubernetesE2E deploys etlcore with 3 targets on a real cluster and
// runs md5 over hpush, hpull and ws: inline results, offline jobs of 500
// objects with direct put on and off (every output verified), transformer
// pods on their targets' nodes, a deleted transformer pod aborting the
// ETL on every target with the pod's reason, then starting again, and an
// ETL initialized from a Pod spec (checkPodSpecETL).
func TestKubernetesE2E(t *testing.T) {
	ctx, cs, res := e2eDeploy(t, "etlbench-e2e", 51180, 20*time.Minute)
	ns := res.Namespace
	cl := api.NewClient(res.ProxyURL)

	// 500 objects of 0..8 KiB.
	const n = 500
	objs := putObjects(ctx, t, cl, "k8s-src", n)

	for _, comm := range []string{"hpush", "hpull", "ws"} {
		name := "md5-k8s-" + comm
		spec := fmt.Sprintf("name: %s\ncommunication: %s://\ninit_timeout: 3m\nsupport_direct_put: true\nruntime:\n  image: etlbench/transformer-md5\n", name, comm)
		if _, err := cl.ETLInit(ctx, []byte(spec)); err != nil {
			t.Fatalf("init %s: %v", name, err)
		}
		checkInline(ctx, t, cl, name, objs, 30)
		for _, dp := range []bool{true, false} {
			dst := fmt.Sprintf("k8s-dst-%s-%v", comm, dp)
			id, err := cl.StartETLBucket(ctx, "k8s-src", dst, api.TCBMsg{ETLName: name, DirectPut: &dp})
			if err != nil {
				t.Fatalf("%s job (direct put %v): %v", name, dp, err)
			}
			st, err := cl.WaitJob(ctx, id, 200*time.Millisecond)
			if err != nil {
				t.Fatalf("%s job %s: %v", name, id, err)
			}
			if st.State != api.JobFinished || st.ObjsOut != n || st.Errors != 0 {
				t.Fatalf("%s job %s (direct put %v): state %s, %d out of %d, %d errors (%s)", name, id, dp, st.State, st.ObjsOut, n, st.Errors, st.Err)
			}
			verifyBucket(ctx, t, cl, dst, objs)
			t.Logf("%s: offline job of %d objects with direct put %v verified", name, n, dp)
		}
	}
	checkPlacement(ctx, t, cs, ns)

	// Delete one transformer pod: Aborted everywhere, with the pod's reason.
	victim := "md5-k8s-hpush"
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: runtime.LabelETL + "=" + victim})
	if err != nil || len(pods.Items) != 3 {
		t.Fatalf("transformer pods of %s: %d, %v", victim, len(pods.Items), err)
	}
	zero := int64(0)
	if err := cs.CoreV1().Pods(ns).Delete(ctx, pods.Items[0].Name, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	d := faultcheck.WaitAborted(ctx, t, cl, victim, time.Now().Add(30*time.Second))
	if !strings.Contains(d.Info.Reason, "Deleted") || !strings.Contains(d.Info.Reason, pods.Items[0].Name) {
		t.Errorf("abort reason %q names neither the deletion nor pod %s", d.Info.Reason, pods.Items[0].Name)
	}
	waitNoPods(ctx, t, cs, ns, victim)
	if err := cl.ETLStart(ctx, victim); err != nil {
		t.Fatalf("start %s again: %v", victim, err)
	}
	checkInline(ctx, t, cl, victim, objs, 30)

	checkPodSpecETL(ctx, t, cs, cl, ns, objs)
}

// checkPodSpecETL inits an ETL from a Pod spec in AIStore's quickstart form
// (communication_type annotation, container port "default" 8000, readiness
// probe on /health), sent as AIStore's clients send it: its pods are the
// Pod as given (container name, labels), one next to each target; inline
// results and an offline ws job with direct put are verified.
func checkPodSpecETL(ctx context.Context, t *testing.T, cs kubernetes.Interface, cl *api.Client, ns string, objs map[string][]byte) {
	t.Helper()
	const name = "md5-k8s-pod"
	pod := `apiVersion: v1
kind: Pod
metadata:
  name: ` + name + `
  labels: {from-pod-spec: "yes"}
  annotations: {communication_type: "ws://", support_direct_put: "true", wait_timeout: 3m}
spec:
  containers:
    - name: server
      image: etlbench/transformer-md5
      ports: [{name: default, containerPort: 8000}]
      readinessProbe: {httpGet: {path: /health, port: default}}
`
	msg, _ := json.Marshal(map[string]any{"spec": []byte(pod)})
	if _, err := cl.ETLInit(ctx, msg); err != nil {
		t.Fatalf("init %s from a Pod spec: %v", name, err)
	}
	checkInline(ctx, t, cl, name, objs, 30)
	dp := true
	id, err := cl.StartETLBucket(ctx, "k8s-src", "k8s-dst-pod", api.TCBMsg{ETLName: name, DirectPut: &dp})
	if err != nil {
		t.Fatal(err)
	}
	st, err := cl.WaitJob(ctx, id, 200*time.Millisecond)
	if err != nil || st.State != api.JobFinished || st.ObjsOut != int64(len(objs)) || st.Errors != 0 {
		t.Fatalf("%s job %s: %+v, %v", name, id, st, err)
	}
	verifyBucket(ctx, t, cl, "k8s-dst-pod", objs)
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "from-pod-spec=yes," + runtime.LabelETL + "=" + name})
	if err != nil || len(pods.Items) != 3 {
		t.Fatalf("pods of the Pod spec: %d, %v; want 3", len(pods.Items), err)
	}
	for _, p := range pods.Items {
		tp, err := cs.CoreV1().Pods(ns).Get(ctx, p.Annotations["etlbench.io/target-id"], metav1.GetOptions{})
		if err != nil || p.Spec.NodeName == "" || p.Spec.NodeName != tp.Spec.NodeName || p.Spec.Containers[0].Name != "server" {
			t.Fatalf("transformer %s (container %s) on node %q, its target: %v", p.Name, p.Spec.Containers[0].Name, p.Spec.NodeName, err)
		}
	}
	t.Logf("%s: Pod-spec ETL on %d pods next to their targets, inline and offline (ws, direct put) verified", name, len(pods.Items))
}

// e2eDeploy deploys etlcore with 3 targets (host network, hostPath
// mountpaths, proxy on proxyPort, targets on proxyPort+1) into namespace ns
// of the end-to-end cluster, undeploys it when the test ends, and waits for
// the targets to join. It skips the test when there is no cluster (or in
// -short mode). The context ends after limit.
func e2eDeploy(t *testing.T, ns string, proxyPort int, limit time.Duration) (context.Context, kubernetes.Interface, *Result) {
	t.Helper()
	return e2eDeployOpts(t, Options{Namespace: ns, Targets: 3, HostNetwork: true, MountpathType: MountHostPath,
		DataDir: runDataDir(ns), ProxyPort: proxyPort, TargetPort: proxyPort + 1}, limit)
}

// runDataDir is a node directory of this run's hostPath mountpaths in
// namespace ns: data an earlier run left (hostPath outlives undeploy) is
// never seen.
func runDataDir(ns string) string {
	return fmt.Sprintf("/var/lib/etlbench-data/%s-%d", ns, time.Now().UnixNano())
}

// destroyBuckets destroys every bucket of the deployment at proxyURL, so
// that its hostPath data does not stay on the nodes.
func destroyBuckets(t *testing.T, proxyURL string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl := api.NewClient(proxyURL)
	names, err := cl.ListBuckets(ctx)
	if err != nil {
		t.Logf("list buckets to destroy: %v", err)
		return
	}
	for _, b := range names {
		if err := cl.DestroyBucket(ctx, b); err != nil {
			t.Logf("destroy bucket %s: %v", b, err)
		}
	}
}

// e2eDeployOpts is e2eDeploy with the deployment's options (each target on
// its own node).
func e2eDeployOpts(t *testing.T, o Options, limit time.Duration) (context.Context, kubernetes.Interface, *Result) {
	t.Helper()
	if testing.Short() {
		t.Skip("Kubernetes end-to-end test: skipped in -short mode")
	}
	kcfg, why := e2eKubeconfig()
	if kcfg == "" {
		t.Skip(why)
	}
	cs, _, err := Client(kcfg)
	if err != nil {
		t.Skipf("Kubernetes cluster of %s unusable: %v", kcfg, err)
	}
	if _, err := cs.Discovery().ServerVersion(); err != nil {
		t.Skipf("Kubernetes cluster of %s not reachable (run 'make kind-up'): %v", kcfg, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer ccancel()
		if err := Undeploy(cctx, cs, o.Namespace, t.Logf); err != nil {
			t.Errorf("undeploy: %v", err)
		}
	})
	clearStaleState(ctx, t, cs, o.Namespace)
	logPodsOnFailure(t, cs, o.Namespace)
	dctx, dcancel := context.WithTimeout(ctx, 5*time.Minute)
	res, err := Deploy(dctx, cs, o, t.Logf)
	dcancel()
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	t.Cleanup(func() { destroyBuckets(t, res.ProxyURL) }) // before the undeploy
	nodes := map[string]bool{}
	for _, tg := range res.Targets {
		nodes[tg.Node] = true
	}
	if len(nodes) != o.Targets {
		t.Fatalf("%d targets on %d nodes: %+v", o.Targets, len(nodes), res.Targets)
	}
	waitTargets(ctx, t, api.NewClient(res.ProxyURL), o.Targets)
	return ctx, cs, res
}

// waitTargets waits (60 s at most) until the proxy's cluster map lists n
// live targets and every target holds that map or a newer one: targets
// start in parallel, and one that kept an older map would store objects
// of the targets it does not know where the proxy never looks for them.
func waitTargets(ctx context.Context, t *testing.T, cl *api.Client, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		sm, err := cl.Smap(ctx)
		alive := 0
		if err == nil {
			for _, tg := range sm.Targets {
				if tg.Alive {
					alive++
				}
			}
		}
		if alive >= n {
			if err = targetsHoldMap(ctx, sm); err == nil {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d targets joined the proxy (%v)", alive, n, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// targetsHoldMap asks every target of sm which cluster-map version it
// holds (GET /v1/_internal/smap); an error names one older than sm's.
func targetsHoldMap(ctx context.Context, sm *api.Smap) error {
	for _, tg := range sm.Targets {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, tg.URL+api.PathInternal+"smap", nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("target %s: %w", tg.ID, err)
		}
		var tv api.TargetVersions
		err = json.NewDecoder(resp.Body).Decode(&tv)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return fmt.Errorf("target %s: cluster-map versions: status %d, %v", tg.ID, resp.StatusCode, err)
		}
		if tv.SmapVersion < sm.Version {
			return fmt.Errorf("target %s holds cluster map version %d, the proxy's is %d", tg.ID, tv.SmapVersion, sm.Version)
		}
	}
	return nil
}

// putObjects creates bucket bck with n objects of random sizes (below
// 8 KiB) under four directories and returns them (name -> content).
func putObjects(ctx context.Context, t *testing.T, cl *api.Client, bck string, n int) map[string][]byte {
	t.Helper()
	rng := rand.New(rand.NewSource(7))
	objs := make(map[string][]byte, n)
	for i := range n {
		b := make([]byte, rng.Intn(8<<10))
		rng.Read(b)
		objs[fmt.Sprintf("dir%d/obj-%04d.bin", i%4, i)] = b
	}
	if err := faultcheck.PutAll(ctx, cl, bck, objs); err != nil {
		t.Fatal(err)
	}
	return objs
}

func checkInline(ctx context.Context, t *testing.T, cl *api.Client, etlName string, objs map[string][]byte, max int) {
	t.Helper()
	i := 0
	for name, b := range objs {
		if i == max {
			break
		}
		i++
		got, err := cl.GetObjectBytes(ctx, "k8s-src", name, api.GetOpts{ETLName: etlName})
		if err != nil {
			t.Fatalf("%s inline %s: %v", etlName, name, err)
		}
		if string(got) != md5hex(b) {
			t.Fatalf("%s inline %s: %q, want %q", etlName, name, got, md5hex(b))
		}
	}
}

func verifyBucket(ctx context.Context, t *testing.T, cl *api.Client, bck string, objs map[string][]byte) {
	t.Helper()
	list, err := cl.ListAll(ctx, bck, "")
	if err != nil {
		t.Fatalf("list %s: %v", bck, err)
	}
	if len(list) != len(objs) {
		t.Fatalf("%s holds %d objects, want %d", bck, len(list), len(objs))
	}
	for name, b := range objs {
		got, err := cl.GetObjectBytes(ctx, bck, name, api.GetOpts{})
		if err != nil {
			t.Fatalf("get %s/%s: %v", bck, name, err)
		}
		if string(got) != md5hex(b) {
			t.Fatalf("%s/%s = %q, want %q", bck, name, got, md5hex(b))
		}
	}
}

// checkPlacement: every transformer pod runs on the node of its target.
func checkPlacement(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns string) {
	t.Helper()
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: runtime.LabelApp + "=" + runtime.AppTransformer})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 9 {
		t.Errorf("%d transformer pods, want 9 (3 ETLs x 3 targets)", len(pods.Items))
	}
	for _, p := range pods.Items {
		target := p.Annotations["etlbench.io/target-id"]
		tp, err := cs.CoreV1().Pods(ns).Get(ctx, target, metav1.GetOptions{})
		if err != nil {
			t.Errorf("transformer %s: target pod %q: %v", p.Name, target, err)
			continue
		}
		if p.Spec.NodeName != tp.Spec.NodeName || p.Spec.NodeName == "" {
			t.Errorf("transformer %s on node %q, its target %s on %q", p.Name, p.Spec.NodeName, target, tp.Spec.NodeName)
		}
		if p.Status.Phase != corev1.PodRunning {
			t.Errorf("transformer %s is %s", p.Name, p.Status.Phase)
		}
	}
}

func waitNoPods(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, etlName string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: runtime.LabelETL + "=" + etlName})
		if err == nil && len(pods.Items) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("transformer pods of aborted %s still there after 60 s (%v)", etlName, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
