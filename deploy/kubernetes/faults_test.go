package kubedeploy

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/cluster"
	"github.com/etlbench/etlbench/etlcore/runtime"
	"github.com/etlbench/etlbench/internal/faultcheck"
)

// TestKubernetesFaults runs the fault tests of the embedded cluster on a
// real cluster (3 targets, one per node): a transformer pod killed during
// an offline job of 5,000 objects, transformers that hang, close
// connections mid-response or are slow to start, and a target pod killed
// under mixed load, then rescheduled; with 3 proxies, the primary proxy
// pod deleted under mixed load and an offline job (k8sPrimaryDeletedUnderLoad).
func TestKubernetesFaults(t *testing.T) {
	ns := "etlbench-faults"
	ctx, cs, res := e2eDeployOpts(t, Options{Namespace: ns, Targets: 3, Proxies: 3, HostNetwork: true, MountpathType: MountHostPath,
		DataDir: runDataDir(ns), ProxyPort: 51190, TargetPort: 51191}, 20*time.Minute)
	cl := api.NewClient(res.ProxyURL)
	const n = 5000
	name := func(i int) string { return fmt.Sprintf("in/obj-%05d", i) }
	if err := faultcheck.PutObjects(ctx, cl, "src", n, name); err != nil {
		t.Fatal(err)
	}

	t.Run("transformer-killed-mid-job", func(t *testing.T) {
		k8sTransformerKilledMidJob(ctx, t, cs, cl, res.Namespace, n, name)
	})
	t.Run("hang-and-close", func(t *testing.T) {
		k8sHangAndClose(ctx, t, cl, name(0))
	})
	t.Run("slow-start", func(t *testing.T) {
		k8sSlowStart(ctx, t, cs, cl, res.Namespace)
	})
	t.Run("target-killed-under-load", func(t *testing.T) {
		k8sTargetKilledUnderLoad(ctx, t, cs, cl, res, n, name)
	})
	t.Run("primary-proxy-deleted-under-load", func(t *testing.T) {
		k8sPrimaryDeletedUnderLoad(ctx, t, cs, res, n, name)
	})
}

// k8sTransformerKilledMidJob: one transformer pod is killed (deleted with
// no grace period: SIGKILL) while an offline job runs. The ETL is Aborted
// on every target within 5 s, the job fails naming target, ETL and cause,
// every destination object is complete, and after `etl start` a rerun
// writes all n, verified.
func k8sTransformerKilledMidJob(ctx context.Context, t *testing.T, cs kubernetes.Interface, cl *api.Client, ns string, n int, name func(int) string) {
	const etl = "slow-echo-k8s"
	faultcheck.KillMidJob{
		ETL:  etl,
		Spec: fmt.Appendf(nil, "name: %s\ncommunication: hpush://\ninit_timeout: 3m\nruntime:\n  image: etlbench/transformer-fault\n", etl),
		N:    n, Name: name, Obj: faultcheck.Object,
		Kill: func() string {
			pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: runtime.LabelETL + "=" + etl})
			if err != nil || len(pods.Items) != 3 {
				t.Fatalf("transformer pods of %s: %d, %v", etl, len(pods.Items), err)
			}
			zero := int64(0)
			if err := cs.CoreV1().Pods(ns).Delete(ctx, pods.Items[0].Name, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
				t.Fatal(err)
			}
			return pods.Items[0].Name
		},
		CheckReason: func(reason, jobErr, victim string, d *api.ETLDetails) error {
			if !strings.Contains(reason, etl) || !strings.Contains(reason, victim) {
				return fmt.Errorf("abort reason %q names neither the ETL nor pod %s", reason, victim)
			}
			if !strings.Contains(jobErr, etl) || !strings.Contains(jobErr, "aborted") || !namesTarget(jobErr, d) {
				return fmt.Errorf("job error %q: want the target, the ETL and the cause", jobErr)
			}
			return nil
		},
		Gone: func() { waitNoPods(ctx, t, cs, ns, etl) },
	}.Run(ctx, t, cl)
	if err := cl.ETLDelete(ctx, etl); err != nil {
		t.Fatal(err)
	}
}

// namesTarget reports whether msg names one of the ETL's targets.
func namesTarget(msg string, d *api.ETLDetails) bool {
	for id := range d.Targets {
		if id != "" && strings.Contains(msg, id) {
			return true
		}
	}
	return false
}

// k8sHangAndClose: in every mode, a transformer that does not answer
// (fault sleep=60s) fails the request with 504 naming the ETL within about
// obj_timeout (2 s), and one that closes the connection mid-response (fault
// close) with a 500 or 502 naming it; transform-copy writes nothing, and
// the same ETL serves the next request.
func k8sHangAndClose(ctx context.Context, t *testing.T, cl *api.Client, obj string) {
	for _, comm := range []string{"hpush", "hpull", "ws"} {
		etl := "fault-k8s-" + comm
		spec := fmt.Sprintf("name: %s\ncommunication: %s://\ninit_timeout: 3m\nobj_timeout: 2s\nruntime:\n  image: etlbench/transformer-fault\n", etl, comm)
		if _, err := cl.ETLInit(ctx, []byte(spec)); err != nil {
			t.Fatal(err)
		}
		check := func(what string, err error, el time.Duration, status ...int) {
			t.Helper()
			t.Logf("%s via %s: %v after %v", what, etl, err, el.Round(time.Millisecond))
			if err == nil {
				t.Fatalf("%s via %s: no error", what, etl)
			}
			if !slices.Contains(status, api.StatusOf(err)) || !strings.Contains(err.Error(), etl) {
				t.Errorf("%s via %s: %v; want one of %v naming the ETL", what, etl, err, status)
			}
			if el > 5*time.Second {
				t.Errorf("%s via %s failed after %v, want within obj_timeout (2s)", what, etl, el)
			}
		}
		for _, f := range []struct {
			args   string
			status []int
		}{
			{"sleep=60s", []int{http.StatusGatewayTimeout}},
			{"close", []int{http.StatusInternalServerError, http.StatusBadGateway}},
		} {
			if comm == "hpush" || (comm == "ws" && f.args != "close") {
				// (inline hpull redirects the client to the transformer; an
				// inline ws reply is already under way when it breaks)
				start := time.Now()
				_, err := cl.GetObjectBytes(ctx, "src", obj, api.GetOpts{ETLName: etl, ETLArgs: f.args})
				check("inline GET "+f.args, err, time.Since(start), f.status...)
			}
			start := time.Now()
			err := cl.TransformCopy(ctx, "src", obj, "src", "copy/"+etl, etl, f.args)
			check("transform-copy "+f.args, err, time.Since(start), f.status...)
			if _, err := cl.HeadObject(ctx, "src", "copy/"+etl); !api.IsNotFound(err) {
				t.Errorf("failed transform-copy left an object: %v", err)
			}
		}
		if got, err := cl.GetObjectBytes(ctx, "src", obj, api.GetOpts{ETLName: etl}); err != nil || !bytes.Equal(got, faultcheck.Object(0)) {
			t.Errorf("GET via %s after the faults: %d bytes, %v", etl, len(got), err)
		}
		if err := cl.ETLDelete(ctx, etl); err != nil {
			t.Fatal(err)
		}
	}
}

// k8sSlowStart: a transformer that starts listening only after 60 s fails
// init at init_timeout (5 s) with a message naming the ETL and the limit,
// and its pods are removed.
func k8sSlowStart(ctx context.Context, t *testing.T, cs kubernetes.Interface, cl *api.Client, ns string) {
	const etl = "slow-start-k8s"
	spec := fmt.Sprintf("name: %s\ninit_timeout: 5s\nruntime:\n  image: etlbench/transformer-echo\n"+
		"  command: [\"/etlbench\", \"transformer\", \"echo\", \"--start-delay\", \"60s\"]\n", etl)
	start := time.Now()
	_, err := cl.ETLInit(ctx, []byte(spec))
	el := time.Since(start)
	t.Logf("init: %v after %v", err, el.Round(time.Millisecond))
	if err == nil || !strings.Contains(err.Error(), "init_timeout") || !strings.Contains(err.Error(), etl) {
		t.Fatalf("init of a transformer slower than init_timeout: %v; want an error naming the ETL and init_timeout", err)
	}
	if el > 15*time.Second {
		t.Errorf("init failed after %v, want about init_timeout (5s)", el)
	}
	waitNoPods(ctx, t, cs, ns, etl)
	if d, err := cl.ETLShow(ctx, etl); err == nil && d.Info.Stage == api.StageRunning {
		t.Fatalf("failed ETL is Running: %+v", d.Info)
	}
}

// k8sTargetKilledUnderLoad: a target pod is killed (deleted with no grace
// period) under mixed PUT and inline-ETL GET load while its node is
// cordoned, so it stays down: every request ends within its bound, the
// proxy marks the target down, objects of the other targets are served
// and the victim's fail with 503 naming it. Uncordoned, the StatefulSet
// brings the pod back on its node, it rejoins, and every object (and every
// acknowledged PUT) is served again from its hostPath mountpath.
func k8sTargetKilledUnderLoad(ctx context.Context, t *testing.T, cs kubernetes.Interface, cl *api.Client, res *Result, n int, name func(int) string) {
	const etl = "echo-k8s"
	spec := fmt.Sprintf("name: %s\ncommunication: hpush://\ninit_timeout: 3m\nruntime:\n  image: etlbench/transformer-echo\n", etl)
	if _, err := cl.ETLInit(ctx, []byte(spec)); err != nil {
		t.Fatal(err)
	}
	smap, err := cl.Smap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	victim := res.Targets[len(res.Targets)-1]
	if cluster.Target(smap, victim.Name) == nil {
		t.Fatalf("target pod %s is not in the cluster map %+v", victim.Name, smap)
	}
	cordon(ctx, t, cs, victim.Node, true)
	t.Cleanup(func() { cordon(context.Background(), t, cs, victim.Node, false) })

	const bound = 15 * time.Second
	load := faultcheck.StartMixedLoad(ctx, cl, "src", etl, 6, n, bound, name, faultcheck.Object)
	// The loader runs well past the kill: a deleted pod's container gets
	// SIGTERM first and the kubelet acts in its own time, so the fault
	// shows some seconds after the delete.
	loader := faultcheck.StartLoader(ctx, t, cl, res.ProxyURL, etl, 15*time.Second, bound)
	time.Sleep(2 * time.Second)
	before := load.OK()
	zero := int64(0)
	if err := cs.CoreV1().Pods(res.Namespace).Delete(ctx, victim.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	for {
		sm, err := cl.Smap(ctx)
		if err == nil {
			if tg := cluster.Target(sm, victim.Name); tg != nil && !tg.Alive {
				break
			}
		}
		if time.Since(killed) > 15*time.Second {
			t.Fatalf("proxy did not mark %s down within 15 s of its deletion", victim.Name)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("proxy marked %s down %v after its deletion", victim.Name, time.Since(killed).Round(time.Millisecond))
	time.Sleep(2 * time.Second) // requests meet the target down
	load.StopAndCheck(t, before)
	loader.Check(t)
	served, failed, owned := 0, 0, 0
	for i := range n {
		owner, err := cluster.Owner(smap, "src", name(i))
		if err != nil {
			t.Fatal(err)
		}
		mine := owner.ID == victim.Name
		if mine {
			owned++
		}
		start := time.Now()
		got, err := cl.GetObjectBytes(ctx, "src", name(i), api.GetOpts{})
		if time.Since(start) > 3*time.Second {
			t.Fatalf("GET %s took %v with %s down", name(i), time.Since(start), victim.Name)
		}
		switch {
		case err != nil && mine && api.StatusOf(err) == http.StatusServiceUnavailable && strings.Contains(err.Error(), victim.Name):
			failed++
		case err != nil:
			t.Fatalf("GET %s (on %s) with %s down: %v; want it served, or 503 naming %s if it is on the victim",
				name(i), owner.ID, victim.Name, err, victim.Name)
		case mine:
			t.Fatalf("GET %s served although its target %s is down", name(i), victim.Name)
		case !bytes.Equal(got, faultcheck.Object(i)):
			t.Fatalf("GET %s: wrong bytes", name(i))
		default:
			served++
		}
	}
	t.Logf("with %s down: %d served, %d (all it holds) 503", victim.Name, served, failed)
	if failed != owned || served != n-owned || owned == 0 {
		t.Fatalf("with %s down: served %d, failed %d; it owns %d of %d", victim.Name, served, failed, owned, n)
	}
	// Back: uncordoned, the pod returns on its node and rejoins.
	cordon(ctx, t, cs, victim.Node, false)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		sm, err := cl.Smap(ctx)
		if err == nil {
			if tg := cluster.Target(sm, victim.Name); tg != nil && tg.Alive {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not rejoin within 3 min of the uncordon", victim.Name)
		}
		time.Sleep(250 * time.Millisecond)
	}
	p, err := cs.CoreV1().Pods(res.Namespace).Get(ctx, victim.Name, metav1.GetOptions{})
	if err != nil || p.Spec.NodeName != victim.Node {
		t.Fatalf("target pod %s back on node %q, want %q (%v)", victim.Name, p.Spec.NodeName, victim.Node, err)
	}
	if err := faultcheck.VerifyObjects(ctx, cl, "src", n, name); err != nil {
		t.Fatal(err)
	}
	acked, err := load.VerifyAcknowledged(ctx, cl)
	if err != nil {
		t.Fatalf("after the restart: %v", err)
	}
	t.Logf("after the restart: all %d objects and %d acknowledged PUTs served", n, acked)
}

// cordonedByTest marks a node a test cordoned, so that a later run can
// uncordon it when the test was interrupted (staleState).
const cordonedByTest = "etlbench.io/cordoned-by-test"

// cordon marks node unschedulable (or schedulable again).
func cordon(ctx context.Context, t *testing.T, cs kubernetes.Interface, node string, on bool) {
	t.Helper()
	mark := `"true"`
	if !on {
		mark = "null"
	}
	patch := fmt.Appendf(nil, `{"metadata":{"annotations":{%q:%s}},"spec":{"unschedulable":%v}}`, cordonedByTest, mark, on)
	if _, err := cs.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Errorf("cordon %s (%v): %v", node, on, err)
	}
}

// TestKubernetesDiskFull: a target whose mountpath is a 2 MiB tmpfs (a
// memory-backed emptyDir, `deploy --mountpath-type emptyDir
// --mountpath-size 2Mi`) answers PUTs beyond its capacity with 507 and a
// clear message, lists only complete objects, keeps serving reads, takes
// PUTs again once space is freed, and is not evicted.
func TestKubernetesDiskFull(t *testing.T) {
	ctx, cs, res := e2eDeployOpts(t, Options{Namespace: "etlbench-diskfull", Targets: 1, HostNetwork: true,
		MountpathType: MountEmptyDir, MountpathSize: "2Mi", ProxyPort: 51196, TargetPort: 51197}, 10*time.Minute)
	cl := api.NewClient(res.ProxyURL)
	target, err := cs.CoreV1().Pods(res.Namespace).Get(ctx, res.Targets[0].Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	faultcheck.DiskFull(ctx, t, cl, nil)
	now, err := cs.CoreV1().Pods(res.Namespace).Get(ctx, target.Name, metav1.GetOptions{})
	if err != nil || now.UID != target.UID || now.Status.Phase != corev1.PodRunning {
		t.Fatalf("target pod after filling its mountpath: %v (uid %s, was %s), %v", now.Status.Phase, now.UID, target.UID, err)
	}
}
