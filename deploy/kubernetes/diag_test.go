package kubedeploy

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// logPodsOnFailure registers a cleanup that, when the test has failed, logs
// every pod of namespace ns: phase, node, restarts, the last termination
// (reason, exit code) and the tail of the logs of the container that ended,
// so that a failure on a CI machine tells whether a process died and why.
// Register it after the undeploy cleanup: cleanups run last-in first-out.
func logPodsOnFailure(t *testing.T, cs kubernetes.Interface, ns string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Logf("diagnostics: list pods of %s: %v", ns, err)
			return
		}
		for i := range pods.Items {
			logPod(ctx, t, cs, &pods.Items[i])
		}
	})
}

// logPod logs one pod's state and, for each container that restarted or
// ended, the tail of its last run's logs.
func logPod(ctx context.Context, t *testing.T, cs kubernetes.Interface, p *corev1.Pod) {
	for _, st := range p.Status.ContainerStatuses {
		t.Logf("diagnostics: pod %s on %s: %s, container %s ready %v, %d restarts", p.Name, p.Spec.NodeName, p.Status.Phase, st.Name, st.Ready, st.RestartCount)
		term, previous := st.LastTerminationState.Terminated, true
		if term == nil {
			term, previous = st.State.Terminated, false
		}
		if term == nil {
			continue
		}
		t.Logf("diagnostics: pod %s container %s ended: %s, exit code %d, %s", p.Name, st.Name, term.Reason, term.ExitCode, term.Message)
		tail := int64(40)
		rc, err := cs.CoreV1().Pods(p.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{Container: st.Name, Previous: previous, TailLines: &tail}).Stream(ctx)
		if err != nil {
			t.Logf("diagnostics: logs of %s/%s: %v", p.Name, st.Name, err)
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(rc, 64<<10))
		rc.Close()
		for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
			t.Logf("diagnostics: %s/%s| %s", p.Name, st.Name, line)
		}
	}
}

// clearStaleState undoes what an interrupted earlier run may have left:
// its deployment in namespace ns (whose pods would hold the host ports)
// and nodes it cordoned.
func clearStaleState(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns string) {
	t.Helper()
	if _, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err == nil {
		t.Logf("namespace %s is left from an earlier run: undeploying it first", ns)
		uctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		err := Undeploy(uctx, cs, ns, t.Logf)
		cancel()
		if err != nil {
			t.Fatalf("undeploy the namespace left from an earlier run: %v", err)
		}
	}
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list nodes: %v", err)
	}
	for _, n := range nodes.Items {
		if n.Annotations[cordonedByTest] == "true" {
			t.Logf("node %s is left cordoned by an earlier run: uncordoning it", n.Name)
			cordon(ctx, t, cs, n.Name, false)
		}
	}
}
