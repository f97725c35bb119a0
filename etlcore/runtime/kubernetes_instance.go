package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

// kubeInstance is one transformer pod, watched by an informer.
type kubeInstance struct {
	k    *Kubernetes
	name string
	ns   string
	uid  types.UID
	pod  *corev1.Pod // as created (spec, for metrics' requests/limits)

	mu         sync.Mutex
	url        string
	err        error
	lastStatus string

	running     chan struct{}
	runningOnce sync.Once
	done        chan struct{}
	doneOnce    sync.Once
	stopInf     chan struct{}
	stopInfOnce sync.Once
	stopping    atomic.Bool

	stopOnce sync.Once
	stopErr  error
}

func newKubeInstance(k *Kubernetes, pod *corev1.Pod) *kubeInstance {
	return &kubeInstance{
		k: k, name: pod.Name, ns: pod.Namespace, uid: pod.UID, pod: pod,
		lastStatus: "Pending",
		running:    make(chan struct{}),
		done:       make(chan struct{}),
		stopInf:    make(chan struct{}),
	}
}

// watch starts the informer on the pod (list+watch, field selector on its name).
func (i *kubeInstance) watch() {
	pods := i.k.client.CoreV1().Pods(i.ns)
	sel := "metadata.name=" + i.name
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (kruntime.Object, error) {
			o.FieldSelector = sel
			return pods.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = sel
			return pods.Watch(ctx, o)
		},
	}
	_, ctrl := cache.NewInformerWithOptions(cache.InformerOptions{
		// The client says whether it streams lists (a fake clientset does not).
		ListerWatcher: cache.ToListWatcherWithWatchListSemantics(lw, i.k.client),
		ObjectType:    &corev1.Pod{},
		Handler: cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { i.observe(obj) },
			UpdateFunc: func(_, obj any) { i.observe(obj) },
			DeleteFunc: i.deleted,
		},
	})
	go ctrl.Run(i.stopInf)
}

func (i *kubeInstance) mine(obj any) (*corev1.Pod, bool) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Name != i.name || pod.Namespace != i.ns {
		return nil, false
	}
	if i.uid != "" && pod.UID != "" && pod.UID != i.uid {
		return nil, false // an older or newer pod of the same name
	}
	return pod, true
}

func (i *kubeInstance) observe(obj any) {
	pod, ok := i.mine(obj)
	if !ok {
		return
	}
	if pod.DeletionTimestamp != nil && !i.stopping.Load() {
		i.failDeleted(pod, "Deleted: the transformer pod is being deleted")
		return
	}
	if r := PodFailure(pod); r != "" {
		i.fail(r)
		return
	}
	i.mu.Lock()
	i.lastStatus = kubePodStatusLine(pod)
	if pod.Status.Phase == corev1.PodRunning && pod.Status.PodIP != "" && i.url == "" {
		port := strconv.Itoa(int(podPort(i.pod)))
		host := net.JoinHostPort(pod.Status.PodIP, port)
		if i.k.cfg.UseService {
			host = net.JoinHostPort(i.name+"."+i.ns+".svc", port)
		}
		i.url = "http://" + host
		i.runningOnce.Do(func() { close(i.running) })
	}
	i.mu.Unlock()
}

func (i *kubeInstance) deleted(obj any) {
	pod, ok := i.mine(obj)
	if !ok {
		return
	}
	if !i.stopping.Load() {
		i.failDeleted(pod, "Deleted: the transformer pod was deleted")
	}
}

// failDeleted records the deletion of the pod: a failure of the
// transformer, or (ErrOwnerLeaving) the garbage collector's doing after
// the target's own pod went.
func (i *kubeInstance) failDeleted(pod *corev1.Pod, reason string) {
	owner, err := i.k.ownerGone(pod)
	if err != nil {
		reason += " (" + err.Error() + ")"
	}
	if owner != "" {
		i.mu.Lock()
		if i.err == nil && !i.stopping.Load() {
			i.err = fmt.Errorf("transformer pod %s/%s on node %s: %w (pod %s)", i.ns, i.name, i.k.cfg.NodeName, ErrOwnerLeaving, owner)
		}
		i.mu.Unlock()
		i.finish()
		return
	}
	i.fail(reason)
}

// fail records the first failure and closes Done.
func (i *kubeInstance) fail(reason string) {
	i.mu.Lock()
	if i.err == nil && !i.stopping.Load() {
		i.err = fmt.Errorf("transformer pod %s/%s on node %s: %s", i.ns, i.name, i.k.cfg.NodeName, reason)
	}
	i.mu.Unlock()
	i.finish()
}

func (i *kubeInstance) finish() {
	i.doneOnce.Do(func() { close(i.done) })
	i.stopInfOnce.Do(func() { close(i.stopInf) })
}

// waitRunning waits until the pod runs with an IP, fails, or ctx ends.
func (i *kubeInstance) waitRunning(ctx context.Context) error {
	select {
	case <-i.running:
		return nil
	case <-i.done:
		if err := i.Err(); err != nil {
			return fmt.Errorf("kubernetes runtime: %w", err)
		}
		return errors.New("kubernetes runtime: transformer stopped while starting")
	case <-ctx.Done():
		i.mu.Lock()
		st := i.lastStatus
		i.mu.Unlock()
		return fmt.Errorf("kubernetes runtime: transformer pod %s/%s on node %s not running (%s): %w", i.ns, i.name, i.k.cfg.NodeName, st, ctx.Err())
	}
}

// URL returns http://<pod IP>:8000 (or the service's name with UseService).
func (i *kubeInstance) URL() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.url
}

// Done is closed when the pod fails or is deleted, or after Stop.
func (i *kubeInstance) Done() <-chan struct{} { return i.done }

// Err says why the pod ended: the pod's reason (ImagePullBackOff, OOMKilled,
// Evicted, Deleted ...); nil while it runs or after a requested Stop.
func (i *kubeInstance) Err() error {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.err
}

// Logs writes the transformer container's log (pods/log through the API).
func (i *kubeInstance) Logs(w io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rc, err := i.k.client.CoreV1().Pods(i.ns).GetLogs(i.name, &corev1.PodLogOptions{Container: transformerName}).Stream(ctx)
	if err != nil {
		return fmt.Errorf("kubernetes runtime: logs of %s/%s: %w", i.ns, i.name, err)
	}
	defer rc.Close()
	if _, err := io.Copy(w, rc); err != nil {
		return fmt.Errorf("kubernetes runtime: read logs of %s/%s: %w", i.ns, i.name, err)
	}
	return nil
}

// Metrics returns the pod's CPU time and memory from the kubelet's summary
// stats (through the API server's node proxy), else its memory from the
// metrics API (metrics-server); when neither is reachable it says so, with
// the pod's requests and limits.
func (i *kubeInstance) Metrics(ctx context.Context) (Metrics, error) {
	rc := i.restClient()
	if rc == nil {
		return Metrics{}, fmt.Errorf("kubernetes runtime: metrics of %s/%s not available: no REST client (%s)", i.ns, i.name, i.resourcesLine())
	}
	raw, errStats := rc.Get().AbsPath("/api/v1/nodes", i.k.cfg.NodeName, "proxy", "stats", "summary").DoRaw(ctx)
	if errStats == nil {
		if m, ok, err := kubeStatsSummaryMetrics(raw, i.ns, i.name); err == nil && ok {
			return m, nil
		} else if err != nil {
			errStats = err
		} else {
			errStats = errors.New("the kubelet has not measured the pod yet")
		}
	}
	raw, errAPI := rc.Get().AbsPath("/apis/metrics.k8s.io/v1beta1/namespaces", i.ns, "pods", i.name).DoRaw(ctx)
	if errAPI == nil {
		m, err := kubeMetricsAPIMetrics(raw)
		if err == nil {
			return m, nil
		}
		errAPI = err
	}
	return Metrics{}, fmt.Errorf("kubernetes runtime: metrics of %s/%s not available: node stats: %v; metrics API: %v (%s)", i.ns, i.name, errStats, errAPI, i.resourcesLine())
}

func (i *kubeInstance) restClient() rest.Interface {
	rc := i.k.client.CoreV1().RESTClient()
	if r, ok := rc.(*rest.RESTClient); rc == nil || (ok && r == nil) {
		return nil
	}
	return rc
}

func (i *kubeInstance) resourcesLine() string {
	if i.pod == nil || len(i.pod.Spec.Containers) == 0 {
		return "no resources"
	}
	r := i.pod.Spec.Containers[0].Resources
	return fmt.Sprintf("requests %s, limits %s", kubeQuantities(r.Requests), kubeQuantities(r.Limits))
}

func kubeQuantities(rl corev1.ResourceList) string {
	if len(rl) == 0 {
		return "none"
	}
	s := ""
	for _, k := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := rl[k]; ok {
			if s != "" {
				s += " "
			}
			s += string(k) + "=" + q.String()
		}
	}
	return s
}

// kubeStatsSummaryMetrics finds pod ns/name in a kubelet /stats/summary document.
func kubeStatsSummaryMetrics(raw []byte, ns, name string) (Metrics, bool, error) {
	var sum struct {
		Pods []struct {
			PodRef struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"podRef"`
			CPU *struct {
				UsageCoreNanoSeconds *uint64 `json:"usageCoreNanoSeconds"`
			} `json:"cpu"`
			Memory *struct {
				RSSBytes        *uint64 `json:"rssBytes"`
				WorkingSetBytes *uint64 `json:"workingSetBytes"`
			} `json:"memory"`
		} `json:"pods"`
	}
	if err := json.Unmarshal(raw, &sum); err != nil {
		return Metrics{}, false, fmt.Errorf("decode node stats summary: %w", err)
	}
	for _, p := range sum.Pods {
		if p.PodRef.Name != name || p.PodRef.Namespace != ns {
			continue
		}
		var m Metrics
		if p.CPU != nil && p.CPU.UsageCoreNanoSeconds != nil {
			m.CPUSeconds = float64(*p.CPU.UsageCoreNanoSeconds) / 1e9
		}
		if p.Memory != nil {
			switch {
			case p.Memory.RSSBytes != nil:
				m.RSSBytes = int64(*p.Memory.RSSBytes)
			case p.Memory.WorkingSetBytes != nil:
				m.RSSBytes = int64(*p.Memory.WorkingSetBytes)
			}
		}
		if m.CPUSeconds == 0 && m.RSSBytes == 0 {
			return Metrics{}, false, nil // listed, not measured yet (kubelet housekeeping, ~10 s)
		}
		return m, true, nil
	}
	return Metrics{}, false, nil
}

// kubeMetricsAPIMetrics reads a metrics.k8s.io PodMetrics document: memory only
// (the API gives a CPU rate, not the CPU time consumed).
func kubeMetricsAPIMetrics(raw []byte) (Metrics, error) {
	var pm struct {
		Containers []struct {
			Usage map[string]string `json:"usage"`
		} `json:"containers"`
	}
	if err := json.Unmarshal(raw, &pm); err != nil {
		return Metrics{}, fmt.Errorf("decode pod metrics: %w", err)
	}
	var m Metrics
	for _, c := range pm.Containers {
		if s, ok := c.Usage["memory"]; ok {
			q, err := resource.ParseQuantity(s)
			if err != nil {
				return Metrics{}, fmt.Errorf("pod metrics: memory %q: %w", s, err)
			}
			m.RSSBytes += q.Value()
		}
	}
	return m, nil
}

// Stop deletes the pod and its service and waits until both are gone. Idempotent.
func (i *kubeInstance) Stop(ctx context.Context) error {
	i.stopOnce.Do(func() {
		i.stopping.Store(true)
		i.stopErr = i.k.deleteAndWait(ctx, i.name)
		i.finish()
	})
	return i.stopErr
}

// cleanupWait bounds how long a failed Start waits for its pod to be gone.
const cleanupWait = 2 * time.Second

// cleanup removes what a failed Start created: the pod and the service
// are deleted at once, and Start waits at most cleanupWait for them to be
// gone, so that the failure is told at about init_timeout even when the
// kubelet is slow to end a pod; the rest goes on in the background (a
// Start of the same name waits for it).
func (i *kubeInstance) cleanup() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		_ = i.Stop(ctx)
	}()
	select {
	case <-done:
	case <-time.After(cleanupWait):
	}
}
