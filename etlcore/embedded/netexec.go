package embedded

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// EnvNetns is set, in a process that entered an emulated cluster's client
// namespace, to that namespace's name (so it does not try again).
const EnvNetns = "ETLBENCH_NETNS"

// netnsPath is the file of a named namespace.
func netnsPath(name string) string { return filepath.Join(netnsDir, name) }

// setns moves the calling OS thread into the network namespace at path.
func setns(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("network namespace: %w", err)
	}
	defer f.Close()
	if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("network namespace %s: setns: %w", path, err)
	}
	return nil
}

// InNetns reports whether this process is in the named network namespace.
func InNetns(name string) bool {
	var self, ns syscall.Stat_t
	if syscall.Stat("/proc/self/ns/net", &self) != nil || syscall.Stat(netnsPath(name), &ns) != nil {
		return false
	}
	return self.Ino == ns.Ino && self.Dev == ns.Dev
}

// ExecInNetns replaces this process with argv (looked up on PATH) running
// in the named network namespace: the thread that execs enters the
// namespace first, and the new program keeps the same pid. It returns only
// on failure.
func ExecInNetns(name string, argv []string, env []string) error {
	if len(argv) == 0 {
		return fmt.Errorf("exec in namespace %s: no command", name)
	}
	prog, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("exec in namespace %s: %w", name, err)
	}
	runtime.LockOSThread() // never unlocked: on failure this thread stays in the namespace
	if err := setns(netnsPath(name)); err != nil {
		return err
	}
	err = syscall.Exec(prog, argv, env)
	return fmt.Errorf("exec %s in namespace %s: %w", prog, name, err)
}

// EnterClientNetns re-executes this program, with the same arguments, in
// the client namespace of the cluster recorded in st, unless it runs there
// already or the cluster is on loopback. Client commands call it before
// they start anything, so all their connections start in that namespace.
func EnterClientNetns(st *State) error {
	if st == nil || st.Net == nil || InNetns(st.Net.Client) {
		return nil
	}
	if os.Getenv(EnvNetns) == st.Net.Client {
		return fmt.Errorf("emulated network: this process should be in namespace %s but is not", st.Net.Client)
	}
	if _, err := os.Stat(netnsPath(st.Net.Client)); err != nil {
		return fmt.Errorf("emulated network of %s: client namespace %s is gone (run 'etlbench cluster down --dir %s' and up again): %w", st.Dir, st.Net.Client, st.Dir, err)
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("emulated network: find this program: %w", err)
	}
	argv := append([]string{self}, os.Args[1:]...)
	return ExecInNetns(st.Net.Client, argv, append(os.Environ(), EnvNetns+"="+st.Net.Client))
}

// DialContext returns a dialer whose connections start in the client
// namespace of the cluster (the host's own network on loopback), for
// callers that stay in their own namespace, such as tests and `cluster up`
// waiting for its nodes.
func (st *State) DialContext() func(ctx context.Context, network, addr string) (net.Conn, error) {
	if !st.outsideClientNetns() {
		d := net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
		return d.DialContext
	}
	return netnsDialer(netnsPath(st.Net.Client))
}

// outsideClientNetns reports whether st is an emulated cluster and this
// process is not in its client namespace.
func (st *State) outsideClientNetns() bool { return st.Net != nil && !InNetns(st.Net.Client) }

// HTTPClient returns an HTTP client whose connections start in the
// cluster's client namespace (see DialContext).
func (st *State) HTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if st.outsideClientNetns() {
		tr.DialContext = st.DialContext()
	}
	return &http.Client{Transport: tr}
}

// netnsDialer dials from a thread that enters the namespace at path for
// the socket's creation: a socket belongs to the namespace it was made in.
func netnsDialer(path string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		type res struct {
			c   net.Conn
			err error
		}
		ch := make(chan res, 1)
		go func() {
			runtime.LockOSThread()
			orig, err := os.Open("/proc/thread-self/ns/net")
			if err != nil {
				runtime.UnlockOSThread()
				ch <- res{nil, fmt.Errorf("network namespace: %w", err)}
				return
			}
			defer orig.Close()
			if err := setns(path); err != nil {
				runtime.UnlockOSThread()
				ch <- res{nil, err}
				return
			}
			d := net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
			c, err := d.DialContext(ctx, network, addr)
			// Back to the thread's own namespace; a thread that cannot
			// go back stays locked and ends with this goroutine.
			if unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET) == nil {
				runtime.UnlockOSThread()
			}
			ch <- res{c, err}
		}()
		r := <-ch
		return r.c, r.err
	}
}

// NetnsExecCommand is the etlbench subcommand that runs a program in a
// named network namespace: `etlbench netns-exec NAME -- PROGRAM ARGS...`
// (see NetnsExecMain). `cluster up` starts every node through it.
const NetnsExecCommand = "netns-exec"

// NetnsExecMain is the body of NetnsExecCommand; args are what follows it.
func NetnsExecMain(args []string) error {
	if len(args) >= 2 && args[1] == "--" {
		args = append(args[:1:1], args[2:]...)
	}
	if len(args) < 2 {
		return fmt.Errorf("usage: etlbench %s NAMESPACE -- PROGRAM [ARGS...]", NetnsExecCommand)
	}
	return ExecInNetns(args[0], args[1:], os.Environ())
}
