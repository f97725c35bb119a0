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
	crbs, err := cs.RbacV1().ClusterRoleBindings().List(ctx, sel)
	if err == nil {
		for _, o := range crbs.Items {
			errs = append(errs, ignoreNotFound(cs.RbacV1().ClusterRoleBindings().Delete(ctx, o.Name, metav1.DeleteOptions{})))
		}
	} else {
		errs = append(errs, fmt.Errorf("list cluster role bindings: %w", err))
	}
	crs, err := cs.RbacV1().ClusterRoles().List(ctx, sel)
	if err == nil {
		for _, o := range crs.Items {
			errs = append(errs, ignoreNotFound(cs.RbacV1().ClusterRoles().Delete(ctx, o.Name, metav1.DeleteOptions{})))
		}
	} else {
		errs = append(errs, fmt.Errorf("list cluster roles: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("undeploy: %w", err)
	}
	return nil
}

func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
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
	var errs []error
	add := func(what string, err error) {
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
	}
	sweep := func(kind string, l kruntime.Object, err error, rm func(context.Context, string, metav1.DeleteOptions) error, opts metav1.DeleteOptions) {
		names, err := objectNames(l, err)
		if err != nil {
			add("list "+kind+"s", err)
			return
		}
		for _, n := range names {
			add("delete "+kind+" "+n, rm(ctx, n, opts))
		}
	}
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
	return errs
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
