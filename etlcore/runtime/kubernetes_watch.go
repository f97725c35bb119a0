package runtime

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// kubeFatalWaiting are the reasons of a waiting container that will not get
// better by themselves: the ETL fails with them.
var kubeFatalWaiting = map[string]bool{
	"ErrImagePull":               true,
	"ImagePullBackOff":           true,
	"ErrImageNeverPull":          true,
	"InvalidImageName":           true,
	"ImageInspectError":          true,
	"RegistryUnavailable":        true,
	"CrashLoopBackOff":           true,
	"CreateContainerConfigError": true,
	"CreateContainerError":       true,
	"RunContainerError":          true,
}

// PodFailure returns why pod has failed for good ("" while it is fine or
// still starting): image pull errors, a crash, an OOM kill, an eviction.
// The reason comes first, as Kubernetes spells it, then its message.
func PodFailure(pod *corev1.Pod) string {
	statuses := append(append([]corev1.ContainerStatus(nil), pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...)
	for _, cs := range statuses {
		if t := cs.State.Terminated; t != nil && (t.ExitCode != 0 || pod.Status.Phase != corev1.PodSucceeded) {
			return kubeTerminatedReason(cs.Name, t)
		}
		if w := cs.State.Waiting; w != nil && kubeFatalWaiting[w.Reason] {
			return kubeJoinReason(w.Reason, fmt.Sprintf("container %s: %s", cs.Name, w.Message))
		}
		if t := cs.LastTerminationState.Terminated; t != nil && t.Reason == "OOMKilled" {
			return kubeTerminatedReason(cs.Name, t)
		}
	}
	switch pod.Status.Phase {
	case corev1.PodFailed:
		r := pod.Status.Reason
		if r == "" {
			r = "Failed"
		}
		return kubeJoinReason(r, pod.Status.Message)
	case corev1.PodSucceeded:
		return "Completed: the transformer exited"
	}
	return ""
}

func kubeTerminatedReason(container string, t *corev1.ContainerStateTerminated) string {
	r := t.Reason
	if r == "" {
		r = "Terminated"
	}
	msg := fmt.Sprintf("container %s exited with code %d", container, t.ExitCode)
	if t.Signal != 0 {
		msg += fmt.Sprintf(" (signal %d)", t.Signal)
	}
	if m := strings.TrimSpace(t.Message); m != "" {
		msg += ": " + m
	}
	return kubeJoinReason(r, msg)
}

func kubeJoinReason(reason, msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" || strings.HasSuffix(msg, ": ") {
		return reason
	}
	return reason + ": " + msg
}

// kubePodStatusLine summarizes a pod that is not running yet (for timeouts).
func kubePodStatusLine(pod *corev1.Pod) string {
	parts := []string{string(pod.Status.Phase)}
	for _, c := range pod.Status.Conditions {
		if c.Status == corev1.ConditionFalse && c.Reason != "" {
			parts = append(parts, fmt.Sprintf("%s=%s %s", c.Type, c.Reason, strings.TrimSpace(c.Message)))
		}
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil && w.Reason != "" {
			parts = append(parts, fmt.Sprintf("container %s waiting: %s %s", cs.Name, w.Reason, strings.TrimSpace(w.Message)))
		}
	}
	return strings.Join(parts, "; ")
}

// kubeGetWatcher reads and watches one kind of named object.
type kubeGetWatcher interface {
	exists(ctx context.Context, name string) (bool, error)
	watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
}

// kubeNamedClient is the part of a typed client (pods, services) that
// kubeGetter uses.
type kubeNamedClient[T any] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
}

// kubeGetter is a kubeGetWatcher over one typed client.
type kubeGetter[T any] struct{ c kubeNamedClient[T] }

func (g kubeGetter[T]) exists(ctx context.Context, name string) (bool, error) {
	_, err := g.c.Get(ctx, name, metav1.GetOptions{})
	return kubeExistsErr(err)
}

func (g kubeGetter[T]) watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return g.c.Watch(ctx, o)
}

func kubeExistsErr(err error) (bool, error) {
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsNotFound(err):
		return false, nil
	}
	return false, err
}

// kubeWaitGone waits, with a watch (no polling), until object name no longer exists.
func kubeWaitGone(ctx context.Context, g kubeGetWatcher, name string) error {
	for {
		ok, err := g.exists(ctx, name)
		if err != nil {
			return fmt.Errorf("wait for deletion: %w", err)
		}
		if !ok {
			return nil
		}
		w, err := g.watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
		if err != nil {
			return fmt.Errorf("wait for deletion: watch: %w", err)
		}
		// It may have gone between the get and the watch.
		if ok, err := g.exists(ctx, name); err == nil && !ok {
			w.Stop()
			return nil
		}
		gone, err := kubeWaitDeleted(ctx, w, name)
		w.Stop()
		if err != nil {
			return err
		}
		if gone {
			return nil
		}
		// The watch ended early (apiserver timeout): look again.
	}
}

func kubeWaitDeleted(ctx context.Context, w watch.Interface, name string) (bool, error) {
	for {
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("wait for deletion: %w", ctx.Err())
		case ev, ok := <-w.ResultChan():
			if !ok {
				return false, nil
			}
			if ev.Type != watch.Deleted {
				continue
			}
			if m, ok := ev.Object.(metav1.Object); ok && m.GetName() != name {
				continue
			}
			return true, nil
		}
	}
}
