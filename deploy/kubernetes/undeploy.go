package kubedeploy

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/etlbench/etlbench/etlcore/runtime"
)

// Undeploy removes everything Deploy made in namespace ns: the whole
// namespace when Deploy created it, otherwise every object labelled as
// its own (and the transformer pods and services the targets made); then
// the cluster-scoped RBAC objects. It waits until the objects are gone.
func Undeploy(ctx context.Context, cs kubernetes.Interface, ns string, logf Logf) error {
	if ns == "" {
		ns = "etlbench"
	}
	var errs []error
	nsObj, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		logf.printf("namespace %s does not exist", ns)
	case err != nil:
		return fmt.Errorf("undeploy: get namespace %s: %w", ns, err)
	case nsObj.Annotations[AnnotationCreatedNS] == "true":
		logf.printf("deleting namespace %s (created by deploy)", ns)
		if err := deleteNamespace(ctx, cs, ns); err != nil {
			errs = append(errs, err)
		}
	default:
		logf.printf("deleting etlbench objects in namespace %s", ns)
		errs = append(errs, deleteLabelled(ctx, cs, ns)...)
	}
	sel := metav1.ListOptions{LabelSelector: LabelManagedBy + "=" + ManagedBy + "," + LabelInstance + "=" + ns}
	sw := &sweeper{ctx: ctx}
	rbac := cs.RbacV1()
	crbs, err := rbac.ClusterRoleBindings().List(ctx, sel)
	sw.sweep("clusterrolebinding", crbs, err, rbac.ClusterRoleBindings().Delete, metav1.DeleteOptions{})
	crs, err := rbac.ClusterRoles().List(ctx, sel)
	sw.sweep("clusterrole", crs, err, rbac.ClusterRoles().Delete, metav1.DeleteOptions{})
	errs = append(errs, sw.errs...)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("undeploy: %w", err)
	}
	return nil
}

// deleteNamespace deletes ns and waits (watch) until it is gone.
func deleteNamespace(ctx context.Context, cs kubernetes.Interface, ns string) error {
	w, err := cs.CoreV1().Namespaces().Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + ns})
	if err != nil {
		return fmt.Errorf("watch namespace %s: %w", ns, err)
	}
	defer w.Stop()
	bg := metav1.DeletePropagationForeground
	if err := cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{PropagationPolicy: &bg}); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("delete namespace %s: %w", ns, err)
	}
	for {
		if _, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); apierrors.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("namespace %s still terminating: %w", ns, ctx.Err())
		case ev, ok := <-w.ResultChan():
			if !ok {
				w.Stop()
				if w, err = cs.CoreV1().Namespaces().Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + ns}); err != nil {
					return fmt.Errorf("watch namespace %s: %w", ns, err)
				}
				continue
			}
			if ev.Type == watch.Deleted {
				return nil
			}
		}
	}
}

// deleteLabelled deletes deploy's objects (and the transformers) from a
// namespace that deploy did not create.
func deleteLabelled(ctx context.Context, cs kubernetes.Interface, ns string) []error {
	mine := metav1.ListOptions{LabelSelector: LabelManagedBy + "=" + ManagedBy}
	transformers := metav1.ListOptions{LabelSelector: runtime.LabelApp + "=" + runtime.AppTransformer}
	fg := metav1.DeletePropagationForeground
	del := metav1.DeleteOptions{PropagationPolicy: &fg}
	sw := &sweeper{ctx: ctx}
	sweep := sw.sweep
	apps, core, rbac := cs.AppsV1(), cs.CoreV1(), cs.RbacV1()
	l, err := apps.StatefulSets(ns).List(ctx, mine)
	sweep("statefulset", l, err, apps.StatefulSets(ns).Delete, del)
	dl, err := apps.Deployments(ns).List(ctx, mine)
	sweep("deployment", dl, err, apps.Deployments(ns).Delete, del)
	for _, sel := range []metav1.ListOptions{mine, transformers} {
		sl, err := core.Services(ns).List(ctx, sel)
		sweep("service", sl, err, core.Services(ns).Delete, metav1.DeleteOptions{})
		pl, err := core.Pods(ns).List(ctx, sel)
		sweep("pod", pl, err, core.Pods(ns).Delete, metav1.DeleteOptions{})
	}
	bl, err := rbac.RoleBindings(ns).List(ctx, mine)
	sweep("rolebinding", bl, err, rbac.RoleBindings(ns).Delete, del)
	rl, err := rbac.Roles(ns).List(ctx, mine)
	sweep("role", rl, err, rbac.Roles(ns).Delete, del)
	al, err := core.ServiceAccounts(ns).List(ctx, mine)
	sweep("serviceaccount", al, err, core.ServiceAccounts(ns).Delete, del)
	return sw.errs
}

// sweeper deletes the objects of List answers and collects what failed
// (an object already gone is no failure).
type sweeper struct {
	ctx  context.Context
	errs []error
}

// sweep deletes with rm every object of list l, the answer (with err) of
// a List of kind.
func (s *sweeper) sweep(kind string, l kruntime.Object, err error, rm func(context.Context, string, metav1.DeleteOptions) error, opts metav1.DeleteOptions) {
	names, err := objectNames(l, err)
	if err != nil {
		if !apierrors.IsNotFound(err) {
			s.errs = append(s.errs, fmt.Errorf("list %ss: %w", kind, err))
		}
		return
	}
	for _, n := range names {
		if err := rm(s.ctx, n, opts); err != nil && !apierrors.IsNotFound(err) {
			s.errs = append(s.errs, fmt.Errorf("delete %s %s: %w", kind, n, err))
		}
	}
}

// objectNames are the names of the items of a list that a List call
// returned (with its error).
func objectNames(l kruntime.Object, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	items, err := apimeta.ExtractList(l)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(items))
	for _, it := range items {
		a, err := apimeta.Accessor(it)
		if err != nil {
			return nil, err
		}
		names = append(names, a.GetName())
	}
	return names, nil
}
