package kubedeploy

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// PeerURLs are the URLs of the other proxies of a deployment: the pods of
// namespace ns that match selector, but self, that have an address, at
// port; in pod order. A proxy pod calls it once at its start to find the
// primary to join (none: it is the first and starts as primary).
func PeerURLs(ctx context.Context, cs kubernetes.Interface, ns, self, selector string, port int) ([]string, error) {
	list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, fmt.Errorf("list the proxy pods (%s) of namespace %s: %w", selector, ns, err)
	}
	pods := list.Items
	sort.Slice(pods, func(i, j int) bool { return podOrdinal(pods[i].Name) < podOrdinal(pods[j].Name) })
	var urls []string
	for _, p := range pods {
		if p.Name == self || p.Status.PodIP == "" || p.DeletionTimestamp != nil {
			continue
		}
		urls = append(urls, "http://"+net.JoinHostPort(p.Status.PodIP, strconv.Itoa(port)))
	}
	return urls, nil
}
