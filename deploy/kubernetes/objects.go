// Package kubedeploy deploys etlcore on a Kubernetes cluster through
// client-go (no kubectl): a namespace, RBAC for the targets to run their
// transformer pods, the proxies (StatefulSet + Services) and the targets
// (StatefulSet, one per node), and removes all of it again.
package kubedeploy

import (
	"fmt"
	"path"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/runtime"
)

// Labels of every object deploy makes; undeploy selects on LabelManagedBy.
const (
	LabelPartOf    = "app.kubernetes.io/part-of"
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelComponent = "app.kubernetes.io/component"
	LabelInstance  = "app.kubernetes.io/instance" // the namespace deployed into
	PartOf         = "etlbench"
	ManagedBy      = "etlbench-deploy"
	// AnnotationCreatedNS marks a namespace that deploy created (undeploy deletes it whole).
	AnnotationCreatedNS = "etlbench.io/created-by-deploy"
)

// Names of the objects.
const (
	ProxyName          = "etlbench-proxy"
	ProxiesServiceName = "etlbench-proxies" // headless, the proxies' StatefulSet's service
	TargetName         = "etlbench-target"
	TargetsServiceName = "etlbench-targets"
	ServiceAccountName = "etlbench-target"
	RoleName           = "etlbench-target"
	dataRoot           = "/var/lib/etlbench-data" // node directory of hostPath mountpaths
	stateDir           = "/var/lib/etlbench/state"
)

// Mountpath types.
const (
	MountHostPath = "hostPath"
	MountEmptyDir = "emptyDir"
)

// Options describe a deployment.
type Options struct {
	Namespace string // default "etlbench"
	Targets   int    // number of targets, one per node (default 3)
	// Proxies is the number of proxies (gateways), at most one per node
	// (default 1). With more than one, the first pod starts as primary
	// and the others join it; any of them serves any request, and when
	// the primary goes away the next one takes over.
	Proxies       int
	Mountpaths    int    // mountpaths per target (default 1)
	MountpathType string // hostPath (default) or emptyDir
	// MountpathSize, with emptyDir, makes each mountpath a tmpfs of this
	// size (e.g. "2Mi": a memory-backed emptyDir with that sizeLimit), so a
	// target can be filled up; "" is unbounded.
	MountpathSize string
	// DataDir, with hostPath, is the node directory that holds the
	// targets' mountpaths (default /var/lib/etlbench-data/<namespace>).
	// The data outlives the deployment: a new deployment in the same
	// namespace finds the old objects unless it uses another DataDir.
	DataDir    string
	Image      string            // default "etlbench:dev"
	PullPolicy corev1.PullPolicy // default IfNotPresent
	ProxyPort  int               // default 51080
	TargetPort int               // default 51081
	// HostNetwork runs the proxy and the targets on their nodes' network
	// (default true): clients outside the cluster reach them at the node's
	// address, and nodes talk without a cross-node pod network.
	HostNetwork bool
	// APIServer, when set ("host:port"), is given to the targets as
	// KUBERNETES_SERVICE_HOST/PORT so they reach the API server without
	// kube-proxy.
	APIServer string
	// ProxyURL is what targets join: the proxies' URLs, comma-separated,
	// tried in turn (default: the proxy pods' addresses, filled in by
	// Deploy once the proxies run).
	ProxyURL string
	// NodeArgs are extra arguments of every `etlbench node`.
	NodeArgs []string
}

// withDefaults fills zero fields and validates.
func (o Options) withDefaults() (Options, error) {
	o.Namespace = orString(o.Namespace, "etlbench")
	o.Targets = orInt(o.Targets, 3)
	o.Proxies = orInt(o.Proxies, 1)
	o.Mountpaths = orInt(o.Mountpaths, 1)
	o.MountpathType = orString(o.MountpathType, MountHostPath)
	o.DataDir = orString(o.DataDir, dataRoot+"/"+o.Namespace)
	o.Image = orString(o.Image, runtime.DefaultImage)
	if o.PullPolicy == "" {
		o.PullPolicy = corev1.PullIfNotPresent
	}
	o.ProxyPort = orInt(o.ProxyPort, 51080)
	o.TargetPort = orInt(o.TargetPort, 51081)
	return o, o.validate()
}

// validate checks options whose defaults are filled.
func (o Options) validate() error {
	switch {
	case o.Targets < 1:
		return fmt.Errorf("deploy: --targets %d: want at least 1", o.Targets)
	case o.Proxies < 1 || o.Proxies > 16:
		return fmt.Errorf("deploy: --proxies %d: want 1..16", o.Proxies)
	case o.Mountpaths < 1 || o.Mountpaths > 16:
		return fmt.Errorf("deploy: --mountpaths %d: want 1..16", o.Mountpaths)
	case o.MountpathType != MountHostPath && o.MountpathType != MountEmptyDir:
		return fmt.Errorf("deploy: --mountpath-type %q: want hostPath or emptyDir", o.MountpathType)
	case !path.IsAbs(o.DataDir) || path.Clean(o.DataDir) != o.DataDir || o.DataDir == "/":
		return fmt.Errorf("deploy: --data-dir %q: want a clean absolute directory other than /", o.DataDir)
	case o.MountpathSize != "" && o.MountpathType != MountEmptyDir:
		return fmt.Errorf("deploy: --mountpath-size %s needs --mountpath-type emptyDir", o.MountpathSize)
	case !validPort(o.ProxyPort) || !validPort(o.TargetPort) || o.ProxyPort == o.TargetPort:
		return fmt.Errorf("deploy: ports %d (proxy) and %d (target): want two different ports in 1..65535", o.ProxyPort, o.TargetPort)
	}
	if o.MountpathSize != "" {
		q, err := resource.ParseQuantity(o.MountpathSize)
		if err != nil || q.Sign() <= 0 {
			return fmt.Errorf("deploy: --mountpath-size %q: want a positive quantity such as 64Mi", o.MountpathSize)
		}
	}
	switch o.PullPolicy {
	case corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
		return nil
	}
	return fmt.Errorf("deploy: pull policy %q: want Always, IfNotPresent or Never", o.PullPolicy)
}

func validPort(p int) bool { return p >= 1 && p <= 65535 }

func orString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// Objects are everything a deployment creates, in creation order.
type Objects struct {
	Namespace      *corev1.Namespace
	ServiceAccount *corev1.ServiceAccount
	Role           *rbacv1.Role
	RoleBinding    *rbacv1.RoleBinding
	// ClusterRole and its binding let targets read their node's kubelet
	// stats (nodes/proxy) for transformer metrics.
	ClusterRole        *rbacv1.ClusterRole
	ClusterRoleBinding *rbacv1.ClusterRoleBinding
	Proxies            *appsv1.StatefulSet
	ProxiesService     *corev1.Service // headless, the proxies' StatefulSet's service
	ProxyService       *corev1.Service // every proxy, for clients (NodePort)
	TargetsService     *corev1.Service // headless, the StatefulSet's service
	Targets            *appsv1.StatefulSet
}

func labels(o Options, component string) map[string]string {
	return map[string]string{
		LabelPartOf:    PartOf,
		LabelManagedBy: ManagedBy,
		LabelComponent: component,
		LabelInstance:  o.Namespace,
	}
}

func selector(component string) map[string]string {
	return map[string]string{LabelPartOf: PartOf, LabelComponent: component}
}

// service is Service name of component's pods on TCP port ("http"); spec
// says what kind it is (headless, NodePort).
func service(o Options, name, component string, port int, spec corev1.ServiceSpec) *corev1.Service {
	spec.Selector = selector(component)
	spec.Ports = []corev1.ServicePort{{Name: "http", Port: int32(port),
		TargetPort: intstr.FromInt32(int32(port)), Protocol: corev1.ProtocolTCP}}
	return &corev1.Service{ObjectMeta: meta(o, name, component), Spec: spec}
}

func meta(o Options, name, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: o.Namespace, Labels: labels(o, component)}
}

// clusterName names the cluster-scoped objects of namespace ns.
func clusterName(ns string) string { return "etlbench-" + ns + "-node-stats" }

// Build returns the objects of a deployment (the proxy URL the targets
// join must be set, see Options.ProxyURL).
func Build(opts Options) (*Objects, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	objs := &Objects{
		Namespace: &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
			Name: o.Namespace, Labels: labels(o, "namespace"),
			Annotations: map[string]string{AnnotationCreatedNS: "true"},
		}},
		ServiceAccount: &corev1.ServiceAccount{ObjectMeta: meta(o, ServiceAccountName, "rbac")},
		Role: &rbacv1.Role{ObjectMeta: meta(o, RoleName, "rbac"), Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"pods", "services"},
				Verbs: []string{"create", "get", "list", "watch", "delete"}},
			{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get", "list"}},
		}},
		RoleBinding: &rbacv1.RoleBinding{ObjectMeta: meta(o, RoleName, "rbac"),
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: ServiceAccountName, Namespace: o.Namespace}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: RoleName},
		},
		ClusterRole: &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: clusterName(o.Namespace), Labels: labels(o, "rbac")},
			Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{""}, Resources: []string{"nodes/proxy", "nodes/stats"}, Verbs: []string{"get"}},
				{APIGroups: []string{"metrics.k8s.io"}, Resources: []string{"pods"}, Verbs: []string{"get"}},
			}},
		ClusterRoleBinding: &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: clusterName(o.Namespace), Labels: labels(o, "rbac")},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: ServiceAccountName, Namespace: o.Namespace}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: clusterName(o.Namespace)},
		},
	}
	objs.Proxies = proxyStatefulSet(o)
	objs.ProxiesService = service(o, ProxiesServiceName, "proxy", o.ProxyPort, corev1.ServiceSpec{
		ClusterIP:                corev1.ClusterIPNone,
		PublishNotReadyAddresses: true, // starting proxies find each other
	})
	objs.ProxyService = service(o, ProxyName, "proxy", o.ProxyPort, corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort})
	objs.TargetsService = service(o, TargetsServiceName, "target", o.TargetPort, corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone})
	objs.Targets = targetsStatefulSet(o)
	return objs, nil
}

func fieldEnv(name, path string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}}
}

// downwardEnv is the environment every node gets from the downward API.
func downwardEnv(o Options) []corev1.EnvVar {
	env := []corev1.EnvVar{
		fieldEnv(runtime.EnvNodeName, "spec.nodeName"),
		fieldEnv(runtime.EnvPodNamespace, "metadata.namespace"),
		fieldEnv(runtime.EnvPodName, "metadata.name"),
		fieldEnv("POD_IP", "status.podIP"),
		fieldEnv("POD_UID", "metadata.uid"),
	}
	if host, port, ok := splitHostPort(o.APIServer); ok {
		env = append(env,
			corev1.EnvVar{Name: "KUBERNETES_SERVICE_HOST", Value: host},
			corev1.EnvVar{Name: "KUBERNETES_SERVICE_PORT", Value: port})
	}
	return env
}

func splitHostPort(hp string) (string, string, bool) {
	for i := len(hp) - 1; i >= 0; i-- {
		if hp[i] == ':' {
			if _, err := strconv.Atoi(hp[i+1:]); err == nil && i > 0 {
				return hp[:i], hp[i+1:], true
			}
			return "", "", false
		}
	}
	return "", "", false
}

func healthProbe(port int) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: api.PathHealth, Port: intstr.FromInt32(int32(port)),
		}},
		PeriodSeconds: 2, TimeoutSeconds: 2, FailureThreshold: 3,
	}
}

func podDNS(o Options) corev1.DNSPolicy {
	if o.HostNetwork {
		return corev1.DNSClusterFirstWithHostNet
	}
	return corev1.DNSClusterFirst
}

// proxyStatefulSet runs the proxies: pod 0 first (OrderedReady), which
// starts as primary in a new cluster; each later pod (and any pod that
// comes back) finds the others by listing the proxy pods and joins the
// primary they name. The metadata each proxy holds lives on its node
// (hostPath, with hostPath mountpaths), so a pod that returns to its node
// starts from it.
func proxyStatefulSet(o Options) *appsv1.StatefulSet {
	n := int32(o.Proxies)
	port := strconv.Itoa(o.ProxyPort)
	args := []string{"node", "--role", "proxy", "--id", "$(POD_NAME)", "--host", "0.0.0.0",
		"--port", port, "--advertise", "http://$(POD_IP):" + port, "--dir", stateDir}
	if o.Proxies > 1 {
		args = append(args, "--peer-selector", selectorString("proxy"))
	}
	args = append(args, o.NodeArgs...)
	state := corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
	mount := corev1.VolumeMount{Name: "state", MountPath: stateDir}
	if o.MountpathType == MountHostPath {
		dirOrCreate := corev1.HostPathDirectoryOrCreate
		state = corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: o.DataDir + "/proxies", Type: &dirOrCreate}}
		mount.SubPathExpr = "$(POD_NAME)"
	}
	spec := corev1.PodSpec{
		ServiceAccountName: ServiceAccountName, // lists the proxy pods (its peers)
		HostNetwork:        o.HostNetwork,
		DNSPolicy:          podDNS(o),
		Containers: []corev1.Container{{
			Name: "proxy", Image: o.Image, ImagePullPolicy: o.PullPolicy,
			Args:           args,
			Env:            downwardEnv(o),
			Ports:          []corev1.ContainerPort{{Name: "http", ContainerPort: int32(o.ProxyPort)}},
			ReadinessProbe: healthProbe(o.ProxyPort),
			VolumeMounts:   []corev1.VolumeMount{mount},
		}},
		Volumes: []corev1.Volume{{Name: "state", VolumeSource: state}},
	}
	if o.HostNetwork {
		// Two proxies on one node's network would want the same port.
		spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
				LabelSelector: &metav1.LabelSelector{MatchLabels: selector("proxy")},
				TopologyKey:   "kubernetes.io/hostname",
			}},
		}}
	}
	return &appsv1.StatefulSet{
		ObjectMeta: meta(o, ProxyName, "proxy"),
		Spec: appsv1.StatefulSetSpec{
			Replicas:            &n,
			ServiceName:         ProxiesServiceName,
			PodManagementPolicy: appsv1.OrderedReadyPodManagement,
			Selector:            &metav1.LabelSelector{MatchLabels: selector("proxy")},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels(o, "proxy")},
				Spec:       spec,
			},
		},
	}
}

// mountpathDir is where mountpath i of a target lives in its container.
// With hostPath it is the same directory on the node (DataDir), so a
// transformer pod mounts it at the same path and etl_fqn works.
func mountpathDir(o Options, i int) string {
	if o.MountpathType == MountHostPath {
		return fmt.Sprintf("%s/mp%d", o.DataDir, i)
	}
	return fmt.Sprintf("%s/mp%d", dataRoot, i)
}

func targetsStatefulSet(o Options) *appsv1.StatefulSet {
	n := int32(o.Targets)
	port := strconv.Itoa(o.TargetPort)
	args := []string{"node", "--role", "target", "--id", "$(POD_NAME)", "--host", "0.0.0.0",
		"--port", port, "--advertise", "http://$(POD_IP):" + port,
		"--dir", stateDir, "--proxy", o.ProxyURL, "--runtime", "kubernetes"}
	env := downwardEnv(o)
	env = append(env,
		corev1.EnvVar{Name: runtime.EnvImage, Value: o.Image},
		corev1.EnvVar{Name: runtime.EnvPullPolicy, Value: string(o.PullPolicy)})
	var vols []corev1.Volume
	mounts := []corev1.VolumeMount{{Name: "state", MountPath: stateDir}}
	vols = append(vols, corev1.Volume{Name: "state", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
	hostPaths := ""
	dirOrCreate := corev1.HostPathDirectoryOrCreate
	for i := 1; i <= o.Mountpaths; i++ {
		name := fmt.Sprintf("mp%d", i)
		dir := mountpathDir(o, i)
		args = append(args, "--mountpath", dir)
		mounts = append(mounts, corev1.VolumeMount{Name: name, MountPath: dir})
		vs := corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
		if o.MountpathSize != "" {
			q := resource.MustParse(o.MountpathSize) // checked by withDefaults
			vs.EmptyDir = &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: &q}
		}
		if o.MountpathType == MountHostPath {
			vs = corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: dir, Type: &dirOrCreate}}
		} else {
			if hostPaths != "" {
				hostPaths += ","
			}
			// Where the kubelet keeps this emptyDir on the node: the transformer mounts it from there.
			hostPaths += dir + "=/var/lib/kubelet/pods/$(POD_UID)/volumes/kubernetes.io~empty-dir/" + name
		}
		vols = append(vols, corev1.Volume{Name: name, VolumeSource: vs})
	}
	if hostPaths != "" {
		env = append(env, corev1.EnvVar{Name: runtime.EnvHostPaths, Value: hostPaths})
	}
	args = append(args, o.NodeArgs...)
	return &appsv1.StatefulSet{
		ObjectMeta: meta(o, TargetName, "target"),
		Spec: appsv1.StatefulSetSpec{
			Replicas:            &n,
			ServiceName:         TargetsServiceName,
			PodManagementPolicy: appsv1.ParallelPodManagement,
			Selector:            &metav1.LabelSelector{MatchLabels: selector("target")},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels(o, "target")},
				Spec: corev1.PodSpec{
					ServiceAccountName: ServiceAccountName,
					HostNetwork:        o.HostNetwork,
					DNSPolicy:          podDNS(o),
					Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
						RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
							LabelSelector: &metav1.LabelSelector{MatchLabels: selector("target")},
							TopologyKey:   "kubernetes.io/hostname",
						}},
					}},
					Containers: []corev1.Container{{
						Name: "target", Image: o.Image, ImagePullPolicy: o.PullPolicy,
						Args:           args,
						Env:            env,
						Ports:          []corev1.ContainerPort{{Name: "http", ContainerPort: int32(o.TargetPort)}},
						ReadinessProbe: healthProbe(o.TargetPort),
						VolumeMounts:   mounts,
					}},
					Volumes: vols,
				},
			},
		},
	}
}
