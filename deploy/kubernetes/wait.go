package kubedeploy

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/etlbench/etlbench/etlcore/runtime"
)

func podReady(p *corev1.Pod) bool {
	if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// podTracker follows the pods of a selector and tells when n are ready.
type podTracker struct {
	pods map[string]*corev1.Pod
}

func (t *podTracker) ready() []PodInfo {
	var out []PodInfo
	for _, p := range t.pods {
		if podReady(p) {
			out = append(out, PodInfo{Name: p.Name, Node: p.Spec.NodeName, IP: p.Status.PodIP})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// failure returns the first pod that failed for good (bad image, crash ...).
func (t *podTracker) failure() string {
	names := slices.Sorted(maps.Keys(t.pods))
	for _, n := range names {
		if r := runtime.PodFailure(t.pods[n]); r != "" {
			return fmt.Sprintf("pod %s: %s", n, r)
		}
	}
	return ""
}

func (t *podTracker) status() string {
	names := slices.Sorted(maps.Keys(t.pods))
	var parts []string
	for _, n := range names {
		p := t.pods[n]
		s := string(p.Status.Phase)
		if podReady(p) {
			s = "Ready"
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
				s += " (unschedulable: " + strings.TrimSpace(c.Message) + ")"
			}
		}
		for _, cs := range p.Status.ContainerStatuses {
			if cs.State.Waiting != nil && cs.State.Waiting.Reason != "" {
				s += " (" + cs.State.Waiting.Reason + ")"
			}
		}
		parts = append(parts, n+"="+s)
	}
	if len(parts) == 0 {
		return "no pods yet"
	}
	return strings.Join(parts, ", ")
}

// WaitPodsReady waits, with a watch, until n pods of selector in ns are
// ready, and returns them. It fails at once when a pod fails for good
// (e.g. its image is missing on the node) and names the pod and reason.
func WaitPodsReady(ctx context.Context, cs kubernetes.Interface, ns, selector string, n int, logf Logf) ([]PodInfo, error) {
	pods := cs.CoreV1().Pods(ns)
	t := &podTracker{pods: map[string]*corev1.Pod{}}
	last := ""
	for {
		list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return nil, fmt.Errorf("list pods %s: %w", selector, err)
		}
		t.pods = map[string]*corev1.Pod{}
		for i := range list.Items {
			t.pods[list.Items[i].Name] = &list.Items[i]
		}
		w, err := pods.Watch(ctx, metav1.ListOptions{LabelSelector: selector, ResourceVersion: list.ResourceVersion})
		if err != nil {
			return nil, fmt.Errorf("watch pods %s: %w", selector, err)
		}
		for {
			if r := t.ready(); len(r) >= n {
				w.Stop()
				return r[:n], nil
			}
			if f := t.failure(); f != "" {
				w.Stop()
				return nil, fmt.Errorf("%s", f)
			}
			if s := t.status(); s != last {
				logf.printf("  %s", s)
				last = s
			}
			var ev watch.Event
			var ok bool
			select {
			case <-ctx.Done():
				w.Stop()
				return nil, fmt.Errorf("%d of %d pods ready (%s): %w", len(t.ready()), n, t.status(), ctx.Err())
			case ev, ok = <-w.ResultChan():
			}
			if !ok {
				break // the watch expired: list again
			}
			p, isPod := ev.Object.(*corev1.Pod)
			if !isPod {
				continue
			}
			switch ev.Type {
			case watch.Added, watch.Modified:
				t.pods[p.Name] = p
			case watch.Deleted:
				delete(t.pods, p.Name)
			}
		}
	}
}
