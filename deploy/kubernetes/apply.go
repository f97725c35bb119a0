package kubedeploy

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Logf reports progress (nil: silent).
type Logf func(format string, a ...any)

func (l Logf) printf(format string, a ...any) {
	if l != nil {
		l(format, a...)
	}
}

// PodInfo names one node of the deployment.
type PodInfo struct {
	Name string `json:"name"`
	Node string `json:"node"`
	IP   string `json:"ip"`
}

// Result is what Deploy made.
type Result struct {
	Namespace string    `json:"namespace"`
	ProxyURL  string    `json:"proxy_url"` // the first proxy's
	Proxy     PodInfo   `json:"proxy"`     // the first proxy (the primary of a new cluster)
	Proxies   []PodInfo `json:"proxies"`
	// ProxyURLs are every proxy's URL, in pod order.
	ProxyURLs []string  `json:"proxy_urls"`
	Targets   []PodInfo `json:"targets"`
	// NodePort of the proxy Service (reachable on every node when kube-proxy runs).
	NodePort int32 `json:"node_port,omitempty"`
}

// Deploy creates (or updates) the deployment and waits until the proxy and
// every target are ready. ctx bounds the whole operation.
func Deploy(ctx context.Context, cs kubernetes.Interface, opts Options, logf Logf) (*Result, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := checkNodes(ctx, cs, o.Targets, o.Proxies, o.HostNetwork); err != nil {
		return nil, err
	}
	if o.APIServer == "" {
		o.APIServer = apiServerEndpoint(ctx, cs)
	}
	objs, err := Build(o)
	if err != nil {
		return nil, err
	}
	if err := Apply(ctx, cs, objs, logf); err != nil {
		return nil, err
	}
	logf.printf("waiting for %d proxy pod(s)", o.Proxies)
	proxies, err := WaitPodsReady(ctx, cs, o.Namespace, selectorString("proxy"), o.Proxies, logf)
	if err != nil {
		return nil, fmt.Errorf("deploy: proxies: %w", err)
	}
	sort.Slice(proxies, func(i, j int) bool { return podOrdinal(proxies[i].Name) < podOrdinal(proxies[j].Name) })
	res := &Result{Namespace: o.Namespace, Proxy: proxies[0], Proxies: proxies}
	for _, p := range proxies {
		res.ProxyURLs = append(res.ProxyURLs, "http://"+net.JoinHostPort(p.IP, strconv.Itoa(o.ProxyPort)))
	}
	res.ProxyURL = res.ProxyURLs[0]
	o.ProxyURL = strings.Join(res.ProxyURLs, ",")
	if objs, err = Build(o); err != nil {
		return nil, err
	}
	if err := applyStatefulSet(ctx, cs, objs.Targets); err != nil {
		return nil, err
	}
	logf.printf("waiting for %d target pods (one per node)", o.Targets)
	targets, err := WaitPodsReady(ctx, cs, o.Namespace, selectorString("target"), o.Targets, logf)
	if err != nil {
		return nil, fmt.Errorf("deploy: targets: %w", err)
	}
	res.Targets = targets
	if svc, err := cs.CoreV1().Services(o.Namespace).Get(ctx, ProxyName, metav1.GetOptions{}); err == nil && len(svc.Spec.Ports) > 0 {
		res.NodePort = svc.Spec.Ports[0].NodePort
	}
	return res, nil
}

func selectorString(component string) string {
	return LabelPartOf + "=" + PartOf + "," + LabelComponent + "=" + component
}

// checkNodes fails early when fewer schedulable nodes exist than targets
// (targets repel each other: one per node), or, on the host network,
// than proxies (two would want one port).
func checkNodes(ctx context.Context, cs kubernetes.Interface, targets, proxies int, hostNetwork bool) error {
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("deploy: list nodes: %w", err)
	}
	var ok []string
	for _, n := range nodes.Items {
		if schedulable(&n) {
			ok = append(ok, n.Name)
		}
	}
	if len(ok) < targets {
		return fmt.Errorf("deploy: %d targets need %d schedulable nodes (one target per node), the cluster has %d of %d: %s",
			targets, targets, len(ok), len(nodes.Items), strings.Join(ok, ", "))
	}
	if hostNetwork && len(ok) < proxies {
		return fmt.Errorf("deploy: %d proxies on the host network need %d schedulable nodes (one proxy per node), the cluster has %d of %d: %s",
			proxies, proxies, len(ok), len(nodes.Items), strings.Join(ok, ", "))
	}
	return nil
}

// podOrdinal is the ordinal of a StatefulSet pod (name-<n>), -1 for
// another name.
func podOrdinal(name string) int {
	i := strings.LastIndexByte(name, '-')
	n, err := strconv.Atoi(name[i+1:])
	if i < 0 || err != nil {
		return -1
	}
	return n
}

func schedulable(n *corev1.Node) bool {
	if n.Spec.Unschedulable {
		return false
	}
	for _, t := range n.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute {
			return false
		}
	}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return len(n.Status.Conditions) == 0 // a node without status yet (fake clusters)
}

// apiServerEndpoint returns the API server's real address (not the
// service's cluster IP), so targets reach it even without kube-proxy.
func apiServerEndpoint(ctx context.Context, cs kubernetes.Interface) string {
	sl, err := cs.DiscoveryV1().EndpointSlices(metav1.NamespaceDefault).List(ctx,
		metav1.ListOptions{LabelSelector: "kubernetes.io/service-name=kubernetes"})
	if err != nil {
		return ""
	}
	for _, s := range sl.Items {
		for _, p := range s.Ports {
			if p.Port == nil || (p.Name != nil && *p.Name != "https") {
				continue
			}
			for _, e := range s.Endpoints {
				if len(e.Addresses) > 0 {
					return net.JoinHostPort(e.Addresses[0], strconv.Itoa(int(*p.Port)))
				}
			}
		}
	}
	return ""
}

// Apply creates every object, or updates it when it exists.
func Apply(ctx context.Context, cs kubernetes.Interface, objs *Objects, logf Logf) error {
	ns := objs.Namespace.Name
	if existing, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err == nil {
		logf.printf("namespace %s exists (created by deploy: %v)", ns, existing.Annotations[AnnotationCreatedNS] == "true")
	} else if apierrors.IsNotFound(err) {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, objs.Namespace, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("deploy: create namespace %s: %w", ns, err)
		}
		logf.printf("created namespace %s", ns)
	} else {
		return fmt.Errorf("deploy: get namespace %s: %w", ns, err)
	}
	steps := []func() error{
		func() error {
			c := cs.CoreV1().ServiceAccounts(ns)
			return upsert(ctx, objs.ServiceAccount, c.Create, c.Get, c.Update, nil)
		},
		func() error {
			c := cs.RbacV1().Roles(ns)
			return upsert(ctx, objs.Role, c.Create, c.Get, c.Update, nil)
		},
		func() error {
			c := cs.RbacV1().RoleBindings(ns)
			return upsert(ctx, objs.RoleBinding, c.Create, c.Get, c.Update, func(old, new *rbacv1.RoleBinding) { new.RoleRef = old.RoleRef })
		},
		func() error {
			c := cs.RbacV1().ClusterRoles()
			return upsert(ctx, objs.ClusterRole, c.Create, c.Get, c.Update, nil)
		},
		func() error {
			c := cs.RbacV1().ClusterRoleBindings()
			return upsert(ctx, objs.ClusterRoleBinding, c.Create, c.Get, c.Update, func(old, new *rbacv1.ClusterRoleBinding) { new.RoleRef = old.RoleRef })
		},
		func() error {
			c := cs.CoreV1().Services(ns)
			return upsert(ctx, objs.ProxyService, c.Create, c.Get, c.Update, keepServiceIPs)
		},
		func() error {
			c := cs.CoreV1().Services(ns)
			return upsert(ctx, objs.TargetsService, c.Create, c.Get, c.Update, keepServiceIPs)
		},
		func() error {
			c := cs.CoreV1().Services(ns)
			return upsert(ctx, objs.ProxiesService, c.Create, c.Get, c.Update, keepServiceIPs)
		},
		func() error {
			// The proxy of an older deployment was a Deployment: it goes
			// before the proxies' StatefulSet takes its place.
			err := cs.AppsV1().Deployments(ns).Delete(ctx, ProxyName, metav1.DeleteOptions{})
			if err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("deploy: delete the old proxy Deployment: %w", err)
			}
			return nil
		},
		func() error { return applyStatefulSet(ctx, cs, objs.Proxies) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	logf.printf("applied RBAC, the proxies' StatefulSet and Services in %s", ns)
	if objs.Targets.Spec.Template.Spec.Containers[0].Args != nil && hasProxyURL(objs.Targets) {
		return applyStatefulSet(ctx, cs, objs.Targets)
	}
	return nil
}

func hasProxyURL(ss *appsv1.StatefulSet) bool {
	args := ss.Spec.Template.Spec.Containers[0].Args
	for i, a := range args {
		if a == "--proxy" && i+1 < len(args) && args[i+1] != "" {
			return true
		}
	}
	return false
}

func applyStatefulSet(ctx context.Context, cs kubernetes.Interface, ss *appsv1.StatefulSet) error {
	c := cs.AppsV1().StatefulSets(ss.Namespace)
	return upsert(ctx, ss, c.Create, c.Get, c.Update, func(old, new *appsv1.StatefulSet) {
		// Immutable fields of a StatefulSet stay as they are.
		new.Spec.ServiceName = old.Spec.ServiceName
		new.Spec.Selector = old.Spec.Selector
		new.Spec.PodManagementPolicy = old.Spec.PodManagementPolicy
	})
}

func keepServiceIPs(old, new *corev1.Service) {
	new.Spec.ClusterIP = old.Spec.ClusterIP
	new.Spec.ClusterIPs = old.Spec.ClusterIPs
	for i := range new.Spec.Ports {
		for _, op := range old.Spec.Ports {
			if op.Name == new.Spec.Ports[i].Name {
				new.Spec.Ports[i].NodePort = op.NodePort
			}
		}
	}
}

// upsert creates obj, or when it exists updates it (keep copies what must
// not change from the existing object).
func upsert[T metav1.Object](ctx context.Context, obj T,
	create func(context.Context, T, metav1.CreateOptions) (T, error),
	get func(context.Context, string, metav1.GetOptions) (T, error),
	update func(context.Context, T, metav1.UpdateOptions) (T, error),
	keep func(old, new T),
) error {
	kind := fmt.Sprintf("%T", obj)
	kind = kind[strings.LastIndex(kind, ".")+1:]
	_, err := create(ctx, obj, metav1.CreateOptions{})
	if err == nil {
		return nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("deploy: create %s %s: %w", kind, obj.GetName(), err)
	}
	old, err := get(ctx, obj.GetName(), metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("deploy: get %s %s: %w", kind, obj.GetName(), err)
	}
	obj.SetResourceVersion(old.GetResourceVersion())
	if keep != nil {
		keep(old, obj)
	}
	if _, err := update(ctx, obj, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("deploy: update %s %s: %w", kind, obj.GetName(), err)
	}
	return nil
}
