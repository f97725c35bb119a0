package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	kubedeploy "github.com/etlbench/etlbench/deploy/kubernetes"
	"github.com/etlbench/etlbench/etlcore/embedded"
	"github.com/etlbench/etlbench/etlcore/proxy"
	"github.com/etlbench/etlbench/etlcore/runtime"
	"github.com/etlbench/etlbench/etlcore/target"
)

func init() {
	register(&command{name: "node", summary: "run one etlcore node (proxy or target); started by 'cluster up' and on Kubernetes", run: runNode})
}

func runNode(args []string) error {
	fs := newFlags("node", "--role proxy|target [flags]")
	role := fs.String("role", "", "node role: proxy or target (required)")
	id := fs.String("id", "", "node id (default: p1 for a proxy; required for a target)")
	host := fs.String("host", "127.0.0.1", "address to listen on")
	port := fs.Int("port", 0, "port to listen on (0: any free port)")
	advertise := fs.String("advertise", "", "URL other nodes use to reach this one (default http://<host>:<port>)")
	dir := fs.String("dir", "", "state directory of this node (required)")
	proxyURL := fs.String("proxy", "", "the proxies to join, comma-separated, tried in turn (targets; required)")
	peers := fs.StringSlice("peer", nil, "URL of another proxy of the cluster (proxies; repeatable): a proxy with peers joins the primary they name, one without starts as the primary")
	peerSel := fs.String("peer-selector", "", "Kubernetes (set by deploy): the proxy's peers are the other pods of its namespace ($POD_NAMESPACE) that match this label selector, at --port")
	mpaths := fs.StringSlice("mountpath", nil, "a mountpath directory (repeatable; default: <dir>/mp1..N)")
	nmp := fs.Int("mountpaths", 1, "number of mountpaths to create under --dir when no --mountpath is given")
	fsync := fs.Bool("fsync", false, "fsync every object before it becomes visible")
	rt := fs.String("runtime", "process", "where transformers run: process or kubernetes")
	tport := fs.Int("transformer-port", 0, "process runtime: the port every transformer listens on, one per --transformer-hosts address (0: a free loopback port each)")
	thosts := fs.StringSlice("transformer-hosts", nil, "process runtime: addresses of this node's transformers, with --transformer-port")
	token := fs.String("auth-token", os.Getenv("ETLBENCH_AUTH_TOKEN"), "require this bearer token on the control API (default: $ETLBENCH_AUTH_TOKEN)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("--dir is required")
	}
	if *port < 0 || *port > 65535 {
		return usagef("--port %d is out of range 0..65535", *port)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ready := func(url string) {
		if err := os.WriteFile(filepath.Join(*dir, embedded.URLFile), []byte(url+"\n"), 0o644); err != nil {
			log.Printf("write %s: %v", embedded.URLFile, err)
		}
		fmt.Println(url)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fmt.Errorf("node dir: %w", err)
	}
	_ = os.Remove(filepath.Join(*dir, embedded.URLFile))
	if stopProfile, err := startNodeProfile(*id); err != nil {
		return err
	} else if stopProfile != nil {
		defer stopProfile()
	}
	defer startProfile(*role + "-" + *id)()
	switch *role {
	case "proxy":
		if *peerSel != "" {
			found, err := podPeers(ctx, *peerSel, *port)
			if err != nil {
				return err
			}
			log.Printf("peers from the pods %s: %v", *peerSel, found)
			*peers = append(*peers, found...)
		}
		p, err := proxy.New(proxy.Config{ID: *id, Host: *host, Port: *port, Advertise: *advertise, Dir: *dir, AuthToken: *token, Peers: *peers})
		if err != nil {
			return err
		}
		return p.Run(ctx, ready)
	case "target":
		if *id == "" || *proxyURL == "" {
			return usagef("a target needs --id and --proxy")
		}
		if *nmp < 1 {
			return usagef("--mountpaths must be at least 1")
		}
		mps := *mpaths
		if len(mps) == 0 {
			for i := 1; i <= *nmp; i++ {
				mps = append(mps, filepath.Join(*dir, fmt.Sprintf("mp%d", i)))
			}
		}
		if *tport < 0 || *tport > 65535 {
			return usagef("--transformer-port %d is out of range 0..65535", *tport)
		}
		runtime, err := newRuntime(*rt, *tport, *thosts)
		if err != nil {
			return usagef("%v", err)
		}
		t, err := target.New(target.Config{ID: *id, Host: *host, Port: *port, Advertise: *advertise, ProxyURL: *proxyURL,
			Dir: *dir, Mountpaths: mps, Fsync: *fsync, Runtime: runtime, AuthToken: *token})
		if err != nil {
			return err
		}
		return t.Run(ctx, ready)
	case "":
		return usagef("--role is required (proxy or target)")
	default:
		return usagef("unknown --role %q: want proxy or target", *role)
	}
}

// podPeers lists the proxy's peers on Kubernetes (see --peer-selector),
// asking the API server a few times before it gives up.
func podPeers(ctx context.Context, selector string, port int) ([]string, error) {
	ns, self := os.Getenv(runtime.EnvPodNamespace), os.Getenv(runtime.EnvPodName)
	if ns == "" || self == "" {
		return nil, usagef("--peer-selector needs $%s and $%s (the downward API)", runtime.EnvPodNamespace, runtime.EnvPodName)
	}
	cs, _, err := kubedeploy.Client("")
	if err != nil {
		return nil, fmt.Errorf("--peer-selector: %w", err)
	}
	for attempt := 1; ; attempt++ {
		urls, err := kubedeploy.PeerURLs(ctx, cs, ns, self, selector, port)
		if err == nil || attempt == 5 || ctx.Err() != nil {
			return urls, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("--peer-selector: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(time.Duration(attempt) * time.Second):
		}
	}
}
