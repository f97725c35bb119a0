// Package aisnode runs a local AIStore cluster (one proxy and N targets,
// each an unmodified aisnode process on loopback) so that etlbench can
// measure AIStore itself next to etlcore.
package aisnode

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Options of Up.
type Options struct {
	Binary  string // the aisnode binary (default DefaultBinary)
	Dir     string // state, configs, logs and data (created; removed by Down)
	Targets int    // default 3
	Host    string // default 127.0.0.1
	// Timeout bounds the wait until the cluster is healthy (default 2m;
	// an aisnode cluster takes about 20 s to start here).
	Timeout time.Duration
	// DieWithParent kills the nodes (SIGKILL) when the process that
	// started them dies, as tests want; `etlbench aisnode up` leaves it
	// off, its nodes outlive it.
	DieWithParent bool
}

// Up starts the cluster, waits until the proxy answers
// GET /v1/health?prr=true with 200 and its cluster map holds every
// target, and records it in opts.Dir. On failure it stops whatever it
// started and removes the directory.
func Up(ctx context.Context, opts Options) (st *State, err error) {
	if opts.Targets <= 0 {
		opts.Targets = 3
	}
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Minute
	}
	if opts.Binary == "" {
		opts.Binary = DefaultBinary()
	}
	if opts.Binary == "" {
		return nil, errors.New("aisnode up: no aisnode binary: pass --aisnode PATH (see docs/aisnode.md for how to build one)")
	}
	if fi, err := os.Stat(opts.Binary); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("aisnode up: %s is not an executable aisnode binary", opts.Binary)
	}
	if opts.Dir == "" {
		return nil, errors.New("aisnode up: no directory given")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("aisnode up: %w", err)
	}
	if old, err := LoadState(dir); err == nil && len(old.PIDs()) > 0 {
		return nil, fmt.Errorf("aisnode up: a cluster is already running in %s (proxy %s); run 'etlbench aisnode down --dir %s' first", dir, old.ProxyURL, opts.Dir)
	}
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("aisnode up: %w", err)
	}
	st = &State{Dir: dir, Binary: opts.Binary}
	defer func() {
		if err != nil {
			_ = st.stop(5 * time.Second)
			_ = os.RemoveAll(dir)
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	ports, err := freePorts(opts.Host, 3*(opts.Targets+1))
	if err != nil {
		return st, err
	}
	nodePort := func(i int) nodePorts { return nodePorts{ports[3*i], ports[3*i+1], ports[3*i+2]} }
	st.ProxyURL = "http://" + net.JoinHostPort(opts.Host, strconv.Itoa(nodePort(0).Pub))
	conf := filepath.Join(dir, "ais.json")
	if err := writeJSON(conf, clusterConfig(st.ProxyURL)); err != nil {
		return st, err
	}
	exited := make(chan string, opts.Targets+1)
	for i := 0; i <= opts.Targets; i++ {
		id, role := fmt.Sprintf("t%d", i), "target"
		if i == 0 {
			id, role = "p0", "proxy"
		}
		if err := st.start(opts, conf, id, role, i, nodePort(i), exited); err != nil {
			return st, err
		}
	}
	if err := st.save(); err != nil {
		return st, err
	}
	if err := waitHealthy(ctx, st, opts.Targets, exited); err != nil {
		return st, fmt.Errorf("aisnode up: %w", err)
	}
	return st, nil
}

func (st *State) save() error { return st.Save() }

// start writes node i's local config and starts it.
func (st *State) start(opts Options, conf, id, role string, i int, p nodePorts, exited chan<- string) error {
	ndir := filepath.Join(st.Dir, id)
	for _, d := range []string{ndir, filepath.Join(ndir, "conf"), filepath.Join(ndir, "log")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("aisnode up: %w", err)
		}
	}
	local := filepath.Join(ndir, "ais_local.json")
	if err := writeJSON(local, localConfig(ndir, opts.Host, filepath.Join(ndir, "data"), p, i)); err != nil {
		return err
	}
	logPath := filepath.Join(ndir, "aisnode.out")
	logf, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("aisnode up: %w", err)
	}
	defer logf.Close()
	args := []string{"-role=" + role, "-config=" + conf, "-local_config=" + local}
	if role == "proxy" {
		args = append(args, "-ntargets="+strconv.Itoa(opts.Targets))
	}
	cmd := exec.Command(opts.Binary, args...)
	cmd.Dir = ndir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if opts.DieWithParent {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("aisnode up: start %s: %w", id, err)
	}
	st.Nodes = append(st.Nodes, Node{
		ID: id, Role: role, PID: cmd.Process.Pid, Dir: ndir, LocalConfig: local, Log: logPath,
		URL: "http://" + net.JoinHostPort(opts.Host, strconv.Itoa(p.Pub)),
	})
	go func() {
		err := cmd.Wait() // reaps it, so that a stopped node is gone at once
		select {
		case exited <- fmt.Sprintf("%s %s exited (%v): %s", role, id, err, tail(logPath)):
		default:
		}
	}()
	return nil
}

// waitHealthy waits until the proxy is healthy and lists every target.
func waitHealthy(ctx context.Context, st *State, targets int, exited <-chan string) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	last := "no answer yet"
	for {
		select {
		case msg := <-exited:
			return errors.New(msg)
		case <-ctx.Done():
			return fmt.Errorf("cluster at %s not healthy in time (%s): %w", st.ProxyURL, last, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, st.ProxyURL+"/v1/health?prr=true", nil)
		resp, err := hc.Do(req)
		if err != nil {
			last = err.Error()
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			last = "GET /v1/health?prr=true: " + resp.Status
			continue
		}
		n, err := countTargets(ctx, hc, st.ProxyURL)
		if err != nil {
			last = err.Error()
			continue
		}
		if n >= targets {
			return nil
		}
		last = fmt.Sprintf("%d of %d targets joined", n, targets)
	}
}

// freePorts returns n distinct ports that were free on host a moment ago,
// drawn at random from the 8,192 ports below the range the etlcore process
// runtime gives transformers (itself just below the kernel's ephemeral
// range), so that no outgoing connection takes one before aisnode listens.
func freePorts(host string, n int) ([]int, error) {
	hi := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if v, err := strconv.Atoi(f[0]); err == nil && v > 20000 {
				hi = v
			}
		}
	}
	hi -= 8192
	lo := hi - 8192
	seen := map[int]bool{}
	var out []int
	for tries := 0; len(out) < n; tries++ {
		if tries > 64*n {
			return nil, fmt.Errorf("aisnode up: found only %d of %d free ports in %d..%d", len(out), n, lo, hi)
		}
		p := lo + rand.IntN(hi-lo)
		if seen[p] {
			continue
		}
		seen[p] = true
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err != nil {
			continue
		}
		l.Close()
		out = append(out, p)
	}
	return out, nil
}

// tail returns the last lines of a log file.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log)"
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "(empty log " + path + ")"
	}
	return s
}
