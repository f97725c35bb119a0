// Package testcluster starts a real etlcore cluster (proxy and targets as
// separate processes of the etlbench binary, on loopback) for end-to-end
// tests, and stops it when the test ends.
package testcluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/embedded"
)

// Options of Start.
type Options struct {
	Targets    int      // default 3
	Proxies    int      // default 1 (p1 primary)
	Mountpaths int      // default 1
	ExtraArgs  []string // more `etlbench node` flags (e.g. --auth-token)
	// Net, when emulated, runs the cluster on the emulated network (needs
	// root, ip and tc: see SkipUnlessEmulated). The test process itself
	// stays in the host's namespace: only Client and State.HTTPClient /
	// State.DialContext reach the cluster (they dial from its client
	// namespace). Any other client made in the test from ProxyURL would
	// send to 10.237.x.y over the host's default route; run loads through
	// the binary (`etlbench load --cluster-dir Dir`), which enters the
	// client namespace itself.
	Net *embedded.NetSpec
}

// SkipUnlessEmulated skips the test, saying why, where the emulated
// network cannot run (not root, no ip or tc) or with -short.
func SkipUnlessEmulated(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("emulated network: skipped with -short")
	}
	if err := embedded.CheckEmulated(); err != nil {
		t.Skipf("skipped: %v", err)
	}
}

// Cluster is a running test cluster.
type Cluster struct {
	ProxyURL string // p1's
	// ProxyURLs are every proxy's (p1, p2, ...).
	ProxyURLs []string
	Client    *api.Client
	Dir       string
	State     *embedded.State
	Binary    string
	t         testing.TB
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary returns the etlbench binary for tests: $ETLBENCH_BIN (set by
// `make test`), else one built once into the module's bin/ directory.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		if p := os.Getenv("ETLBENCH_BIN"); p != "" {
			if _, err := os.Stat(p); err == nil {
				binPath = p
				return
			}
		}
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		out := filepath.Join(root, "bin", "etlbench-test")
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			buildErr = err
			return
		}
		// Several test packages may build at once: serialize with a lock file.
		lock, err := os.OpenFile(out+".lock", os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			buildErr = err
			return
		}
		defer lock.Close()
		if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
			buildErr = err
			return
		}
		defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
		cmd := exec.Command("go", "build", "-o", out, "./bench")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build etlbench: %v\n%s", err, b)
			return
		}
		binPath = out
	})
	if buildErr != nil {
		t.Fatalf("testcluster: %v", buildErr)
	}
	return binPath
}

// Start brings up a cluster in a temporary directory; it is brought down
// (every process killed, the directory removed) when the test ends.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := embedded.Up(ctx, embedded.Options{Dir: filepath.Join(dir, "cluster"), Targets: opts.Targets, Proxies: opts.Proxies,
		Mountpaths: opts.Mountpaths, Binary: bin, ExtraArgs: opts.ExtraArgs, DieWithParent: true, Net: opts.Net})
	if err != nil {
		t.Fatalf("testcluster: %v", err)
	}
	c := &Cluster{ProxyURL: st.ProxyURL, ProxyURLs: st.ProxyURLs, Client: st.Client(), Dir: st.Dir, State: st, Binary: bin, t: t}
	t.Cleanup(func() {
		if t.Failed() {
			c.logProblems()
		}
		if err := embedded.Down(st.Dir); err != nil {
			t.Logf("testcluster: down: %v", err)
		}
	})
	return c
}

// Target returns the recorded state of target i (1-based: t1, t2, ...).
func (c *Cluster) Target(i int) embedded.NodeState { return c.node(fmt.Sprintf("t%d", i)) }

// Proxy returns the recorded state of proxy i (1-based: p1, p2, ...).
func (c *Cluster) Proxy(i int) embedded.NodeState { return c.node(fmt.Sprintf("p%d", i)) }

func (c *Cluster) node(id string) embedded.NodeState {
	for _, n := range c.State.Nodes {
		if n.ID == id {
			return n
		}
	}
	c.t.Fatalf("testcluster: no node %s", id)
	return embedded.NodeState{}
}

// KillTarget kills target i (1-based) with SIGKILL and waits for it to die.
func (c *Cluster) KillTarget(i int) { c.kill(c.Target(i)) }

// KillProxy kills proxy i (1-based) with SIGKILL and waits for it to die.
func (c *Cluster) KillProxy(i int) { c.kill(c.Proxy(i)) }

func (c *Cluster) kill(n embedded.NodeState) {
	if err := syscall.Kill(n.PID, syscall.SIGKILL); err != nil {
		c.t.Fatalf("testcluster: kill %s: %v", n.ID, err)
	}
	for j := 0; j < 200; j++ {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", n.PID)); err != nil {
			return
		}
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", n.PID))
		if len(b) > 0 && containsZombie(string(b)) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func containsZombie(stat string) bool {
	for i := len(stat) - 1; i > 0; i-- {
		if stat[i] == ')' {
			return i+2 < len(stat) && stat[i+2] == 'Z'
		}
	}
	return false
}

// LogTail returns the end of node id's log (for failure messages).
func (c *Cluster) LogTail(id string) string {
	for _, n := range c.State.Nodes {
		if n.ID == id {
			b, _ := os.ReadFile(n.Log)
			if len(b) > 4000 {
				b = b[len(b)-4000:]
			}
			return string(b)
		}
	}
	return ""
}

// logProblems logs, for a failed test, the lines of every node's log that
// tell of a server-side problem (handler panics, net/http errors, fatal
// errors), at most 20 per node, so that a failure on a CI machine shows
// what the nodes saw.
func (c *Cluster) logProblems() {
	for _, n := range c.State.Nodes {
		b, err := os.ReadFile(n.Log)
		if err != nil {
			continue
		}
		shown := 0
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.Contains(line, "panic") && !strings.Contains(line, "http: ") && !strings.Contains(line, "fatal") {
				continue
			}
			if shown++; shown > 20 {
				c.t.Logf("testcluster: %s: more in %s", n.ID, n.Log)
				break
			}
			c.t.Logf("testcluster: %s: %s", n.ID, line)
		}
	}
}
