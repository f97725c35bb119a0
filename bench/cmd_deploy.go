package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"

	kubedeploy "github.com/etlbench/etlbench/deploy/kubernetes"
	"github.com/etlbench/etlbench/etlcore/api"
)

func init() {
	register(&command{name: "deploy", summary: "deploy etlcore on Kubernetes (proxy, targets one per node, RBAC) through client-go", run: runDeploy})
	register(&command{name: "undeploy", summary: "remove everything 'etlbench deploy' made on Kubernetes", run: runUndeploy})
}

func runDeploy(args []string) error {
	fs := newFlags("deploy", "[--kubeconfig PATH] [--targets N] [--namespace NS] [flags]")
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)")
	var o kubedeploy.Options
	fs.IntVar(&o.Targets, "targets", 3, "number of targets, one per schedulable node")
	fs.IntVar(&o.Proxies, "proxies", 1, "number of proxies (gateways), one per node on the host network: any serves any request, the next takes over when the primary goes")
	fs.StringVar(&o.Namespace, "namespace", "etlbench", "namespace to deploy into (created if missing)")
	fs.StringVar(&o.Image, "image", "etlbench:dev", "image of the proxy, the targets and the built-in transformers")
	pull := fs.String("pull-policy", "IfNotPresent", "image pull policy: Always, IfNotPresent or Never")
	fs.StringVar(&o.MountpathType, "mountpath-type", kubedeploy.MountHostPath, "target mountpaths: hostPath (node directory) or emptyDir")
	fs.IntVar(&o.Mountpaths, "mountpaths", 1, "mountpaths per target")
	fs.StringVar(&o.DataDir, "data-dir", "", "with hostPath mountpaths: the node directory that holds them (default /var/lib/etlbench-data/<namespace>; the data outlives undeploy)")
	fs.StringVar(&o.MountpathSize, "mountpath-size", "", "with --mountpath-type emptyDir: each mountpath is a tmpfs of this size (e.g. 64Mi)")
	fs.IntVar(&o.ProxyPort, "proxy-port", 51080, "proxy port")
	fs.IntVar(&o.TargetPort, "target-port", 51081, "target port")
	fs.BoolVar(&o.HostNetwork, "host-network", true, "run the proxy and targets on their nodes' network (reachable at the node address)")
	fs.StringVar(&o.APIServer, "apiserver", "", "host:port of the API server for the targets (default: the 'kubernetes' service's endpoint)")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long to wait for every node to be ready")
	asJSON := fs.Bool("json", false, "print the result as JSON instead of the proxy URL")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %v", fs.Args())
	}
	if *timeout <= 0 {
		return usagef("--timeout must be positive")
	}
	// Options take 0 for "the default"; a 0 given on the command line is a mistake.
	switch {
	case o.Targets < 1:
		return usagef("--targets %d: want at least 1", o.Targets)
	case o.Proxies < 1 || o.Proxies > 16:
		return usagef("--proxies %d: want 1..16", o.Proxies)
	}
	o.PullPolicy = corev1.PullPolicy(*pull)
	cs, _, err := kubedeploy.Client(*kubeconfig)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	logf := func(format string, a ...any) { fmt.Fprintf(os.Stderr, "deploy: "+format+"\n", a...) }
	res, err := kubedeploy.Deploy(ctx, cs, o, logf)
	if err != nil {
		return err
	}
	for _, t := range res.Targets {
		logf("target %s on node %s at %s", t.Name, t.Node, t.IP)
	}
	for i, p := range res.Proxies {
		logf("proxy %s on node %s at %s", p.Name, p.Node, res.ProxyURLs[i])
	}
	wctx, wcancel := context.WithTimeout(ctx, 60*time.Second)
	defer wcancel()
	if err := api.NewClient(res.ProxyURL).WaitTargets(wctx, len(res.Targets), 500*time.Millisecond); err != nil {
		logf("the proxy is not reachable from here (%v): from outside the cluster use a node address, the NodePort %d of service %s/%s, or 'kubectl port-forward -n %s svc/%s %d'",
			err, res.NodePort, res.Namespace, kubedeploy.ProxyName, res.Namespace, kubedeploy.ProxyName, o.ProxyPort)
	} else {
		logf("all %d targets joined the proxy; export %s=%s", len(res.Targets), api.EnvEndpoint, res.ProxyURL)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Println(res.ProxyURL)
	return nil
}

func runUndeploy(args []string) error {
	fs := newFlags("undeploy", "[--kubeconfig PATH] [--namespace NS]")
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)")
	ns := fs.String("namespace", "etlbench", "namespace that 'deploy' used")
	timeout := fs.Duration("timeout", 3*time.Minute, "how long to wait for everything to be gone")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %v", fs.Args())
	}
	cs, _, err := kubedeploy.Client(*kubeconfig)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	logf := func(format string, a ...any) { fmt.Fprintf(os.Stderr, "undeploy: "+format+"\n", a...) }
	if err := kubedeploy.Undeploy(ctx, cs, *ns, logf); err != nil {
		return err
	}
	logf("done")
	return nil
}
