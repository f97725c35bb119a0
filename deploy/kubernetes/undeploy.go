package kubedeploy

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	if l, err := cs.AppsV1().StatefulSets(ns).List(ctx, mine); err == nil {
		for _, o := range l.Items {
			add("delete statefulset "+o.Name, cs.AppsV1().StatefulSets(ns).Delete(ctx, o.Name, del))
		}
	} else {
		add("list statefulsets", err)
	}
	if l, err := cs.AppsV1().Deployments(ns).List(ctx, mine); err == nil {
		for _, o := range l.Items {
			add("delete deployment "+o.Name, cs.AppsV1().Deployments(ns).Delete(ctx, o.Name, del))
		}
	} else {
		add("list deployments", err)
	}
	for _, sel := range []metav1.ListOptions{mine, transformers} {
		if l, err := cs.CoreV1().Services(ns).List(ctx, sel); err == nil {
			for _, o := range l.Items {
				add("delete service "+o.Name, cs.CoreV1().Services(ns).Delete(ctx, o.Name, metav1.DeleteOptions{}))
			}
		} else {
			add("list services", err)
		}
		if l, err := cs.CoreV1().Pods(ns).List(ctx, sel); err == nil {
			for _, o := range l.Items {
				add("delete pod "+o.Name, cs.CoreV1().Pods(ns).Delete(ctx, o.Name, metav1.DeleteOptions{}))
			}
		} else {
			add("list pods", err)
		}
	}
	if l, err := cs.RbacV1().RoleBindings(ns).List(ctx, mine); err == nil {
		for _, o := range l.Items {
			add("delete rolebinding "+o.Name, cs.RbacV1().RoleBindings(ns).Delete(ctx, o.Name, metav1.DeleteOptions{}))
		}
	} else {
		add("list rolebindings", err)
	}
	if l, err := cs.RbacV1().Roles(ns).List(ctx, mine); err == nil {
		for _, o := range l.Items {
			add("delete role "+o.Name, cs.RbacV1().Roles(ns).Delete(ctx, o.Name, metav1.DeleteOptions{}))
		}
	} else {
		add("list roles", err)
	}
	if l, err := cs.CoreV1().ServiceAccounts(ns).List(ctx, mine); err == nil {
		for _, o := range l.Items {
			add("delete serviceaccount "+o.Name, cs.CoreV1().ServiceAccounts(ns).Delete(ctx, o.Name, metav1.DeleteOptions{}))
		}
	} else {
		add("list serviceaccounts", err)
	}
	return errs
}
