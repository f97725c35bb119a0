package runtime

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podFromSpec builds the transformer pod of a pod-spec ETL: the user's Pod
// as given (its container, image, command, ports, probes, resources,
// volumes), named, labelled, owned and placed like podFor's pods: pinned
// to the target's node, the target's mountpaths mounted read-only, the
// contract's environment added to the container's, never restarted (a
// transformer that exits has failed). An image that names a built-in
// (etlbench/transformer-<name>) runs it from the etlbench image.
func (k *Kubernetes) podFromSpec(req StartRequest, owner *metav1.OwnerReference) (*corev1.Pod, error) {
	user, err := req.Spec.Pod()
	if err != nil {
		return nil, err
	}
	pod := user.DeepCopy()
	name := TransformerPodName(req.Spec.Name, req.TargetID)
	labels := maps.Clone(user.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, k.podLabels(req, name))
	annots := maps.Clone(user.Annotations)
	if annots == nil {
		annots = map[string]string{}
	}
	annots["etlbench.io/etl-name"] = req.Spec.Name
	annots["etlbench.io/target-id"] = req.TargetID
	pod.ObjectMeta = metav1.ObjectMeta{Name: name, Namespace: k.cfg.Namespace, Labels: labels, Annotations: annots}
	if owner != nil {
		pod.OwnerReferences = []metav1.OwnerReference{*owner}
	}
	vols, mounts, err := k.mountpathVolumes(req)
	if err != nil {
		return nil, err
	}
	ps := &pod.Spec
	ps.NodeName = ""
	ps.RestartPolicy = corev1.RestartPolicyNever
	no := false
	grace := int64(1)
	if ps.TerminationGracePeriodSeconds == nil {
		ps.TerminationGracePeriodSeconds = &grace
	}
	if ps.AutomountServiceAccountToken == nil {
		ps.AutomountServiceAccountToken = &no
	}
	if ps.EnableServiceLinks == nil {
		ps.EnableServiceLinks = &no
	}
	if ps.Affinity == nil {
		ps.Affinity = &corev1.Affinity{}
	}
	ps.Affinity.NodeAffinity = k.nodeAffinity()
	ps.Volumes = append(ps.Volumes, vols...)
	c := &ps.Containers[0]
	c.VolumeMounts = append(c.VolumeMounts, mounts...)
	c.Env = kubePodEnv(req, c.Env, podPort(pod))
	if b, ok := BuiltinTransformer(c.Image); ok {
		c.Image = k.cfg.Image
		if c.Image == "" {
			c.Image = DefaultImage
		}
		if len(c.Command) == 0 && len(c.Args) == 0 {
			c.Args = []string{"transformer", b}
		}
		if c.ImagePullPolicy == "" {
			c.ImagePullPolicy = k.cfg.PullPolicy
		}
	}
	return pod, nil
}
