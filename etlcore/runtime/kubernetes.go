package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Environment variables a target pod gets through the downward API (set by
// `etlbench deploy`), read by KubeConfigFromEnv.
const (
	EnvPodNamespace = "POD_NAMESPACE"
	EnvNodeName     = "NODE_NAME"
	EnvPodName      = "POD_NAME"
	// EnvImage names the image that runs the built-in transformers
	// (default: the target pod's own image).
	EnvImage = "ETLBENCH_IMAGE"
	// EnvPullPolicy is the transformer pods' image pull policy.
	EnvPullPolicy = "ETLBENCH_PULL_POLICY"
	// EnvHostPaths maps the target's mountpaths to node paths when they are
	// not hostPath volumes at the same path: "mp1=/node/dir1,mp2=/node/dir2".
	EnvHostPaths = "ETLBENCH_HOSTPATHS"
)

// TransformerPort is the port every transformer pod serves on (contract: 8000).
const TransformerPort = 8000

// DefaultImage is the image of the built-in transformers when neither the
// config nor the target pod says otherwise.
const DefaultImage = "etlbench:dev"

// Labels of the objects the Kubernetes runtime creates.
const (
	LabelApp       = "app.kubernetes.io/name"
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelETL       = "etlbench.io/etl"
	LabelTarget    = "etlbench.io/target"
	LabelPod       = "etlbench.io/transformer-pod"
	AppTransformer = "etlbench-transformer"
	ManagedBy      = "etlbench"
)

// KubeConfig configures the Kubernetes runtime. Zero fields are filled from
// the environment of the target pod (see KubeConfigFromEnv).
type KubeConfig struct {
	// Client talks to the API server; nil: the in-cluster config.
	Client kubernetes.Interface
	// Namespace where transformer pods go (env POD_NAMESPACE).
	Namespace string
	// NodeName is the node of the target; its transformers are pinned to it
	// (env NODE_NAME).
	NodeName string
	// OwnerPod is the target's pod: the owner of every transformer pod and
	// service, so they go away with it (env POD_NAME; empty: no owner).
	OwnerPod string
	// Image runs the built-in transformers (env ETLBENCH_IMAGE; default: the
	// owner pod's image, else DefaultImage).
	Image string
	// PullPolicy of the transformer pods (default IfNotPresent).
	PullPolicy corev1.PullPolicy
	// HostPaths maps a mountpath of the target to the node directory that
	// backs it (default: the same path, i.e. hostPath volumes).
	HostPaths map[string]string
	// UseService makes URL() the transformer's Service instead of its pod IP
	// (needs cluster DNS and kube-proxy).
	UseService bool
}

// KubeConfigFromEnv returns the configuration of a target running in a pod
// that `etlbench deploy` made.
func KubeConfigFromEnv() KubeConfig {
	cfg := KubeConfig{
		Namespace:  os.Getenv(EnvPodNamespace),
		NodeName:   os.Getenv(EnvNodeName),
		OwnerPod:   os.Getenv(EnvPodName),
		Image:      os.Getenv(EnvImage),
		PullPolicy: corev1.PullPolicy(os.Getenv(EnvPullPolicy)),
	}
	if hp, err := ParseHostPaths(os.Getenv(EnvHostPaths)); err == nil {
		cfg.HostPaths = hp
	}
	return cfg
}

// ParseHostPaths parses "mountpath=nodepath,..." (EnvHostPaths).
func ParseHostPaths(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "/") || !strings.HasPrefix(v, "/") {
			return nil, fmt.Errorf("kubernetes runtime: host path mapping %q: want /mountpath=/node/path", kv)
		}
		out[k] = v
	}
	return out, nil
}

// Kubernetes runs each transformer as a pod on the target's own node,
// with a Service, through client-go.
type Kubernetes struct {
	cfg    KubeConfig
	client kubernetes.Interface

	ownerOnce sync.Once
	owner     *metav1.OwnerReference // nil when there is no owner pod
	ownerErr  error
}

// NewKubernetes returns the Kubernetes runtime.
func NewKubernetes(cfg KubeConfig) (*Kubernetes, error) {
	env := KubeConfigFromEnv()
	if cfg.Namespace == "" {
		cfg.Namespace = env.Namespace
	}
	if cfg.Namespace == "" {
		if b, err := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/namespace"); err == nil {
			cfg.Namespace = strings.TrimSpace(string(b))
		}
	}
	if cfg.NodeName == "" {
		cfg.NodeName = env.NodeName
	}
	if cfg.OwnerPod == "" {
		cfg.OwnerPod = env.OwnerPod
	}
	if cfg.Image == "" {
		cfg.Image = env.Image
	}
	if cfg.PullPolicy == "" {
		cfg.PullPolicy = env.PullPolicy
	}
	if cfg.PullPolicy == "" {
		cfg.PullPolicy = corev1.PullIfNotPresent
	}
	if cfg.HostPaths == nil {
		cfg.HostPaths = env.HostPaths
	}
	switch cfg.PullPolicy {
	case corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		return nil, fmt.Errorf("kubernetes runtime: image pull policy %q: want Always, IfNotPresent or Never", cfg.PullPolicy)
	}
	if cfg.Namespace == "" {
		return nil, fmt.Errorf("kubernetes runtime: no namespace: set KubeConfig.Namespace or env %s", EnvPodNamespace)
	}
	if cfg.NodeName == "" {
		return nil, fmt.Errorf("kubernetes runtime: no node name: set KubeConfig.NodeName or env %s (downward API spec.nodeName)", EnvNodeName)
	}
	if cfg.Client == nil {
		rc, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("kubernetes runtime: in-cluster config: %w", err)
		}
		cs, err := kubernetes.NewForConfig(rc)
		if err != nil {
			return nil, fmt.Errorf("kubernetes runtime: client: %w", err)
		}
		cfg.Client = cs
	}
	return &Kubernetes{cfg: cfg, client: cfg.Client}, nil
}

// Name returns "kubernetes".
func (k *Kubernetes) Name() string { return "kubernetes" }

// Config returns the effective configuration.
func (k *Kubernetes) Config() KubeConfig { return k.cfg }

// ownerGone returns the name of pod's owner pod when that pod is gone, is
// being deleted or was replaced by a new pod of the same name (a
// StatefulSet's); "" when it lives on, or, with the last error, when the
// API did not tell within ownerCheckTime.
func (k *Kubernetes) ownerGone(pod *corev1.Pod) (string, error) {
	for _, ref := range pod.OwnerReferences {
		if ref.Kind != "Pod" {
			continue
		}
		deadline := time.Now().Add(ownerCheckTime)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), HealthTimeout)
			owner, err := k.client.CoreV1().Pods(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
			cancel()
			switch {
			case apierrors.IsNotFound(err):
				return ref.Name, nil
			case err == nil && (owner.DeletionTimestamp != nil || owner.UID != ref.UID):
				return ref.Name, nil
			case err == nil:
				return "", nil
			}
			if time.Now().After(deadline) {
				return "", fmt.Errorf("owner pod %s could not be checked: %w", ref.Name, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return "", nil
}

// ownerCheckTime bounds how long ownerGone retries the API.
const ownerCheckTime = 10 * time.Second

// ownerRef resolves the owner pod once: its UID (for the owner reference)
// and, when no image is configured, its image.
func (k *Kubernetes) ownerRef(ctx context.Context) (*metav1.OwnerReference, error) {
	k.ownerOnce.Do(func() {
		if k.cfg.OwnerPod == "" {
			return
		}
		pod, err := k.client.CoreV1().Pods(k.cfg.Namespace).Get(ctx, k.cfg.OwnerPod, metav1.GetOptions{})
		if err != nil {
			k.ownerErr = fmt.Errorf("kubernetes runtime: get owner pod %s/%s: %w", k.cfg.Namespace, k.cfg.OwnerPod, err)
			return
		}
		k.owner = &metav1.OwnerReference{APIVersion: "v1", Kind: "Pod", Name: pod.Name, UID: pod.UID}
		if k.cfg.Image == "" && len(pod.Spec.Containers) > 0 {
			k.cfg.Image = pod.Spec.Containers[0].Image
		}
	})
	if k.ownerErr != nil {
		// Try again next time (the API may have been briefly unreachable).
		err := k.ownerErr
		k.ownerOnce = sync.Once{}
		k.ownerErr = nil
		return nil, err
	}
	return k.owner, nil
}

// Start creates the transformer's pod and service and waits until the pod
// runs (has an IP), fails, or ctx ends (default bound: the spec's init_timeout).
// On any error it deletes what it created.
func (k *Kubernetes) Start(ctx context.Context, req StartRequest) (Instance, error) {
	if req.Spec == nil {
		return nil, errors.New("kubernetes runtime: start: no spec")
	}
	owner, err := k.ownerRef(ctx)
	if err != nil {
		return nil, err
	}
	pod, err := k.podFor(req, owner)
	if err != nil {
		return nil, err
	}
	svc := k.serviceFor(pod)
	if _, has := ctx.Deadline(); !has {
		d := time.Duration(req.Spec.InitTimeout)
		if d <= 0 {
			d = 45 * time.Second
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	pods := k.client.CoreV1().Pods(k.cfg.Namespace)
	svcs := k.client.CoreV1().Services(k.cfg.Namespace)
	// A pod of the same name is a leftover (a target restarted in its pod):
	// remove it first so that the new one starts clean.
	if err := k.deleteAndWait(ctx, pod.Name); err != nil {
		return nil, err
	}
	created, err := pods.Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("kubernetes runtime: create pod %s/%s: %w", k.cfg.Namespace, pod.Name, err)
	}
	inst := newKubeInstance(k, created)
	if _, err := svcs.Create(ctx, svc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		inst.cleanup()
		return nil, fmt.Errorf("kubernetes runtime: create service %s/%s: %w", k.cfg.Namespace, svc.Name, err)
	}
	inst.watch()
	if err := inst.waitRunning(ctx); err != nil {
		inst.cleanup()
		return nil, err
	}
	return inst, nil
}

// deleteAndWait deletes pod name (and its service) if they exist and waits until they are gone.
func (k *Kubernetes) deleteAndWait(ctx context.Context, name string) error {
	pods := k.client.CoreV1().Pods(k.cfg.Namespace)
	svcs := k.client.CoreV1().Services(k.cfg.Namespace)
	grace := int64(1)
	bg := metav1.DeletePropagationBackground
	opts := metav1.DeleteOptions{GracePeriodSeconds: &grace, PropagationPolicy: &bg}
	if err := svcs.Delete(ctx, name, opts); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("kubernetes runtime: delete service %s/%s: %w", k.cfg.Namespace, name, err)
	}
	if err := pods.Delete(ctx, name, opts); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("kubernetes runtime: delete pod %s/%s: %w", k.cfg.Namespace, name, err)
	}
	if err := kubeWaitGone(ctx, kubeGetter[*corev1.Pod]{pods}, name); err != nil {
		return fmt.Errorf("kubernetes runtime: pod %s/%s: %w", k.cfg.Namespace, name, err)
	}
	if err := kubeWaitGone(ctx, kubeGetter[*corev1.Service]{svcs}, name); err != nil {
		return fmt.Errorf("kubernetes runtime: service %s/%s: %w", k.cfg.Namespace, name, err)
	}
	return nil
}
