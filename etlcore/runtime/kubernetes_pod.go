package runtime

import (
	"fmt"
	"hash/fnv"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/etlbench/etlbench/etlcore/etl"
)

const (
	labelHostname       = "kubernetes.io/hostname"
	transformerName     = "transformer"
	maxDNSLabel         = 63
	podHost             = "0.0.0.0"
	readinessPeriodSecs = 1
)

var (
	kubeNotDNS   = regexp.MustCompile(`[^a-z0-9-]+`)
	kubeNotLabel = regexp.MustCompile(`[^A-Za-z0-9._-]+`)
)

// kubeDnsLabel turns s into a DNS-1123 label fragment (lowercase alphanumerics and '-').
func kubeDnsLabel(s string) string {
	s = kubeNotDNS.ReplaceAllString(strings.ToLower(s), "-")
	return strings.Trim(s, "-")
}

// TransformerPodName is the name of the pod (and service) of ETL etlName on
// target targetID: "etl-<etl>-<target>", shortened with a hash when longer
// than a DNS label allows. It is stable, so a restarted target finds its
// leftover pod.
func TransformerPodName(etlName, targetID string) string {
	name := "etl-" + kubeDnsLabel(etlName) + "-" + kubeDnsLabel(targetID)
	name = strings.Trim(name, "-")
	if len(name) <= maxDNSLabel {
		return name
	}
	h := fnv.New32a()
	h.Write([]byte(etlName + "\x00" + targetID))
	suffix := fmt.Sprintf("-%08x", h.Sum32())
	return strings.TrimRight(name[:maxDNSLabel-len(suffix)], "-") + suffix
}

// kubeLabelValue makes s a valid label value (<= 63 of [A-Za-z0-9-_.], alphanumeric ends).
func kubeLabelValue(s string) string {
	v := kubeNotLabel.ReplaceAllString(s, "-")
	if len(v) > maxDNSLabel {
		v = v[:maxDNSLabel]
	}
	return strings.Trim(v, "-_.")
}

// kubeSubstitute replaces ${PORT} and ${HOST} in a command argument.
func kubeSubstitute(arg string) string {
	arg = strings.ReplaceAll(arg, "${PORT}", strconv.Itoa(TransformerPort))
	return strings.ReplaceAll(arg, "${HOST}", podHost)
}

// kubePodEnv is the transformer's environment: base (a Pod spec's
// container env), the spec's env, then the runtime's env, then the
// contract's variables (PORT: port), which always win.
func kubePodEnv(req StartRequest, base []corev1.EnvVar, port int32) []corev1.EnvVar {
	dp := strconv.FormatBool(req.DirectPut)
	contract := []etl.EnvVar{
		{Name: "AIS_TARGET_URL", Value: req.TargetURL},
		{Name: "DIRECT_PUT", Value: dp},
		{Name: envDirectPutLower, Value: dp},
		{Name: "PORT", Value: strconv.Itoa(int(port))},
		{Name: "HOST", Value: podHost},
		{Name: EnvMountpaths, Value: strings.Join(req.Mountpaths, ":")},
	}
	var all []etl.EnvVar
	for _, e := range base {
		all = append(all, etl.EnvVar{Name: e.Name, Value: e.Value})
	}
	all = append(all, req.Spec.Env...)
	all = append(all, req.Spec.Runtime.Env...)
	all = append(all, contract...)
	idx := map[string]int{}
	var out []corev1.EnvVar
	for _, e := range all {
		if e.Name == "" {
			continue
		}
		if i, ok := idx[e.Name]; ok {
			out[i].Value = e.Value
			continue
		}
		idx[e.Name] = len(out)
		out = append(out, corev1.EnvVar{Name: e.Name, Value: e.Value})
	}
	return out
}

// kubeResourceList parses a spec's resource list with Kubernetes kubeQuantities.
func kubeResourceList(field string, rl etl.ResourceList) (corev1.ResourceList, error) {
	if len(rl) == 0 {
		return nil, nil
	}
	out := corev1.ResourceList{}
	keys := slices.Sorted(maps.Keys(rl))
	for _, k := range keys {
		q, err := resource.ParseQuantity(rl[k])
		if err != nil {
			return nil, fmt.Errorf("kubernetes runtime: resources.%s.%s: %q is not a quantity: %w", field, k, rl[k], err)
		}
		out[corev1.ResourceName(k)] = q
	}
	return out, nil
}

// podLabels are the labels of a transformer's pod and service.
func (k *Kubernetes) podLabels(req StartRequest, name string) map[string]string {
	return map[string]string{
		LabelApp:       AppTransformer,
		LabelManagedBy: ManagedBy,
		LabelETL:       kubeLabelValue(req.Spec.Name),
		LabelTarget:    kubeLabelValue(req.TargetID),
		LabelPod:       name,
	}
}

// image returns the image and arguments of the transformer container.
func (k *Kubernetes) image(spec *etl.Spec) (image string, command, args []string, err error) {
	img := spec.Runtime.Image
	if name, ok := BuiltinTransformer(img); ok {
		image = k.cfg.Image
		if image == "" {
			image = DefaultImage
		}
		args = []string{"transformer", name}
	} else {
		image = img
	}
	if image == "" {
		return "", nil, nil, fmt.Errorf("kubernetes runtime: runtime.image is empty")
	}
	for _, c := range spec.Runtime.Command {
		command = append(command, kubeSubstitute(c))
	}
	if len(command) > 0 {
		args = nil // an explicit command replaces the built-in arguments
	}
	return image, command, args, nil
}

// podFor builds the transformer pod of req.
func (k *Kubernetes) podFor(req StartRequest, owner *metav1.OwnerReference) (*corev1.Pod, error) {
	if req.TargetID == "" {
		return nil, fmt.Errorf("kubernetes runtime: start %s: no target id", req.Spec.Name)
	}
	if req.Spec.IsPodSpec() {
		return k.podFromSpec(req, owner)
	}
	name := TransformerPodName(req.Spec.Name, req.TargetID)
	image, command, args, err := k.image(req.Spec)
	if err != nil {
		return nil, err
	}
	var res corev1.ResourceRequirements
	if res.Requests, err = kubeResourceList("requests", req.Spec.Resources.Requests); err != nil {
		return nil, err
	}
	if res.Limits, err = kubeResourceList("limits", req.Spec.Resources.Limits); err != nil {
		return nil, err
	}
	vols, mounts, err := k.mountpathVolumes(req)
	if err != nil {
		return nil, err
	}
	no := false
	grace := int64(1)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: k.cfg.Namespace,
			Labels:    k.podLabels(req, name),
			Annotations: map[string]string{
				"etlbench.io/etl-name":  req.Spec.Name,
				"etlbench.io/target-id": req.TargetID,
			},
		},
		Spec: corev1.PodSpec{
			RestartPolicy:                 corev1.RestartPolicyNever, // a transformer that exits has failed
			TerminationGracePeriodSeconds: &grace,
			AutomountServiceAccountToken:  &no,
			EnableServiceLinks:            &no,
			Affinity:                      &corev1.Affinity{NodeAffinity: k.nodeAffinity()},
			Volumes:                       vols,
			Containers: []corev1.Container{{
				Name:            transformerName,
				Image:           image,
				ImagePullPolicy: k.cfg.PullPolicy,
				Command:         command,
				Args:            args,
				Env:             kubePodEnv(req, nil, TransformerPort),
				Ports: []corev1.ContainerPort{{
					Name: "http", ContainerPort: TransformerPort, Protocol: corev1.ProtocolTCP,
				}},
				ReadinessProbe: &corev1.Probe{
					ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
						Path: "/health", Port: intstr.FromInt32(TransformerPort),
					}},
					PeriodSeconds:    readinessPeriodSecs,
					TimeoutSeconds:   2,
					FailureThreshold: 3,
				},
				Resources:    res,
				VolumeMounts: mounts,
			}},
		},
	}
	if owner != nil {
		pod.OwnerReferences = []metav1.OwnerReference{*owner}
	}
	return pod, nil
}

// mountpathVolumes are the target's mountpaths as hostPath volumes and
// read-only mounts at the same paths (so that etl_fqn works).
func (k *Kubernetes) mountpathVolumes(req StartRequest) ([]corev1.Volume, []corev1.VolumeMount, error) {
	var vols []corev1.Volume
	var mounts []corev1.VolumeMount
	for i, mp := range req.Mountpaths {
		if !strings.HasPrefix(mp, "/") {
			return nil, nil, fmt.Errorf("kubernetes runtime: mountpath %q is not absolute", mp)
		}
		host := mp
		if h, ok := k.cfg.HostPaths[mp]; ok {
			host = h
		}
		vn := fmt.Sprintf("mountpath-%d", i)
		vols = append(vols, corev1.Volume{Name: vn, VolumeSource: corev1.VolumeSource{
			HostPath: &corev1.HostPathVolumeSource{Path: host},
		}})
		mounts = append(mounts, corev1.VolumeMount{Name: vn, MountPath: mp, ReadOnly: true})
	}
	return vols, mounts, nil
}

// nodeAffinity pins a transformer pod to the target's node.
func (k *Kubernetes) nodeAffinity() *corev1.NodeAffinity {
	return &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{
					Key:      labelHostname,
					Operator: corev1.NodeSelectorOpIn,
					Values:   []string{k.cfg.NodeName},
				}},
			}},
		},
	}
}

// podPort is the port a transformer pod serves on: its container port
// named "default" (a Pod spec), else its first, else TransformerPort.
func podPort(pod *corev1.Pod) int32 {
	if len(pod.Spec.Containers) == 0 || len(pod.Spec.Containers[0].Ports) == 0 {
		return TransformerPort
	}
	ports := pod.Spec.Containers[0].Ports
	for _, p := range ports {
		if p.Name == etl.PodPortName {
			return p.ContainerPort
		}
	}
	return ports[0].ContainerPort
}

// serviceFor builds the Service in front of pod.
func (k *Kubernetes) serviceFor(pod *corev1.Pod) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{
			Name:            pod.Name,
			Namespace:       pod.Namespace,
			Labels:          pod.Labels,
			OwnerReferences: pod.OwnerReferences,
		},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{LabelPod: pod.Name},
			Ports: []corev1.ServicePort{{
				Name: "http", Port: podPort(pod), TargetPort: intstr.FromInt32(podPort(pod)), Protocol: corev1.ProtocolTCP,
			}},
		},
	}
}
