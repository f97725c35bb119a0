package embedded_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/embedded"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// rootLinks lists the veth and bridge devices and the qdiscs of the host's
// own namespace.
func rootLinks(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, typ := range []string{"veth", "bridge"} {
		b, err := exec.Command("ip", "-o", "link", "show", "type", typ).Output()
		if err != nil {
			t.Fatalf("ip link show type %s: %v", typ, err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if f := strings.Fields(line); len(f) > 1 {
				out = append(out, strings.TrimSuffix(f[1], ":"))
			}
		}
	}
	// And its qdiscs (kind and device; no counters).
	b, err := exec.Command("tc", "qdisc", "show").Output()
	if err != nil {
		t.Fatalf("tc qdisc show: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if f := strings.Fields(line); len(f) > 4 {
			out = append(out, "qdisc "+f[1]+" "+f[4])
		}
	}
	sort.Strings(out)
	return out
}

// etlbNetns lists etlbench's namespaces on the host (ip netns list).
func etlbNetns(t *testing.T, prefix string) []string {
	t.Helper()
	b, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatalf("ip netns list: %v", err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], prefix) {
			out = append(out, f[0])
		}
	}
	return out
}

// etlbench runs the binary and returns its stdout; a failure is fatal.
func etlbench(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("etlbench %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// checkNothingLeft asserts that none of the cluster's namespaces exist and
// the host has no veth or bridge it did not have before.
func checkNothingLeft(t *testing.T, st *embedded.State, before []string) {
	t.Helper()
	prefix := embedded.NetnsPrefix + st.Net.ID + "-"
	if left := etlbNetns(t, prefix); len(left) > 0 {
		t.Errorf("namespaces left: %v", left)
	}
	if after := rootLinks(t); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("host links or qdiscs changed: before %v, after %v", before, after)
	}
}

// TestEmulatedClientLinkShaped: with the client link at 100 Mbit/s, GETs
// of 1 MiB objects for 10 s measure within 10% of 100 Mbit/s, and the
// client link's counters agree with what the loader received within 2%.
// A transformer listens on port 8000 of its own address, and an hpull
// inline GET (a redirect to the transformer) reaches it from the client.
// Afterwards no namespace, veth or bridge is left.
func TestEmulatedClientLinkShaped(t *testing.T) {
	testcluster.SkipUnlessEmulated(t)
	bin := testcluster.Binary(t)
	before := rootLinks(t)
	dir := filepath.Join(t.TempDir(), "cluster")
	etlbench(t, bin, "cluster", "up", "--dir", dir, "--targets", "1", "--net", "emulated",
		"--client-link", "rate=100Mbit", "--node-link", "rate=10Gbit", "--timeout", "90s")
	st, err := embedded.LoadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	down := func() {
		if err := embedded.Down(dir); err != nil {
			t.Errorf("cluster down: %v", err)
		}
	}
	t.Cleanup(func() {
		if _, err := os.Stat(dir); err == nil {
			down()
		}
	})
	if st.Net == nil || !strings.HasPrefix(st.ProxyURL, "http://10.237.") {
		t.Fatalf("cluster state: net %+v, proxy %s: want an emulated network on 10.237.x.y", st.Net, st.ProxyURL)
	}
	if got := etlbNetns(t, embedded.NetnsPrefix+st.Net.ID+"-"); len(got) != 4 {
		t.Fatalf("namespaces %v: want bridge, client, proxy and target", got)
	}
	// This process stays in its own namespace; Status dials from the client's.
	sts, err := embedded.Status(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range sts {
		if !n.Running || !n.Healthy || !n.Alive {
			t.Errorf("node %s: running %v, healthy %v, alive %v (%s)", n.ID, n.Running, n.Healthy, n.Alive, n.Err)
		}
	}
	etlbench(t, bin, "load", "--cluster-dir", dir, "--bucket", "shaped", "--op", "put", "--maxputs", "12",
		"--minsize", "1MiB", "--maxsize", "1MiB", "--duration", "0", "--numworkers", "2", "--display", "none")

	ctx := context.Background()
	c0, err := st.ReadLinkCounters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	etlbench(t, bin, "load", "--cluster-dir", dir, "--bucket", "shaped", "--op", "get", "--duration", "10s",
		"--numworkers", "2", "--display", "none", "--out", out)
	c1, err := st.ReadLinkCounters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		DurationSec float64 `json:"duration_sec"`
		Summary     map[string]struct {
			Ops      int64 `json:"ops"`
			Errors   int64 `json:"errors"`
			BytesOut int64 `json:"bytes_out"`
		} `json:"summary"`
	}
	b, err := os.ReadFile(filepath.Join(out, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	get := res.Summary["get"]
	if get.Ops == 0 || get.Errors > 0 || res.DurationSec <= 0 {
		t.Fatalf("get: %+v over %.1fs", get, res.DurationSec)
	}
	mbit := float64(get.BytesOut) * 8 / res.DurationSec / 1e6
	t.Logf("GET of 1 MiB objects over a 100 Mbit/s client link: %.1f Mbit/s (%d objects in %.1fs)", mbit, get.Ops, res.DurationSec)
	if math.Abs(mbit-100) > 10 {
		t.Errorf("measured %.1f Mbit/s; want within 10%% of 100", mbit)
	}
	if c0[0].Link != "client" || c1[0].Link != "client" {
		t.Fatalf("first counters are of %q, want the client link", c0[0].Link)
	}
	rx := float64(c1[0].RxBytes - c0[0].RxBytes)
	ratio := rx / float64(get.BytesOut)
	t.Logf("client link received %.0f bytes, the loader %d: ratio %.4f", rx, get.BytesOut, ratio)
	if math.Abs(ratio-1) > 0.02 {
		t.Errorf("client link counters %.0f bytes vs loader %d bytes: ratio %.4f, want within 2%%", rx, get.BytesOut, ratio)
	}
	if tx := c1[2].TxBytes - c0[2].TxBytes; c1[2].Link != "t1" || float64(tx) < float64(get.BytesOut) {
		t.Errorf("target link %s sent %d bytes, less than the %d the loader received", c1[2].Link, tx, get.BytesOut)
	}

	// hpull inline: the client follows the redirect to the transformer.
	etlbench(t, bin, "load", "--cluster-dir", dir, "--bucket", "shaped", "--op", "etl-get", "--etl", "md5", "--comm", "hpull",
		"--verify", "--epochs", "1", "--duration", "0", "--numworkers", "2", "--display", "none", "--out", out)
	b, err = os.ReadFile(filepath.Join(out, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if e := res.Summary["etl-get"]; e.Ops != 12 || e.Errors != 0 {
		t.Errorf("hpull etl-get: %+v; want 12 objects, no errors", e)
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "t1", "*.log"))
	found := false
	for _, l := range logs {
		if b, err := os.ReadFile(l); err == nil && bytes.Contains(b, []byte(":8000\n")) && bytes.Contains(b, []byte("http://10.237.101.")) {
			found = true
		}
	}
	if !found {
		t.Errorf("no transformer log under %s/t1 says it started on http://10.237.101.x:8000 (logs %v)", dir, logs)
	}

	down()
	checkNothingLeft(t, st, before)
}

// TestEmulatedRefusedWithoutRootOrTools: without the ip and tc commands,
// or without root, --net emulated fails at once naming what is missing,
// and link flags without it are refused.
func TestEmulatedRefusedWithoutRootOrTools(t *testing.T) {
	bin := testcluster.Binary(t)
	dir := filepath.Join(t.TempDir(), "cluster")
	run := func(cmd *exec.Cmd) string {
		t.Helper()
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("%v succeeded: %s", cmd.Args, out)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("%v took %v to fail", cmd.Args, d)
		}
		if _, err := os.Stat(filepath.Join(dir, embedded.StateFile)); err == nil {
			t.Errorf("%v recorded a cluster", cmd.Args)
		}
		return string(out)
	}
	empty := t.TempDir()
	cmd := exec.Command(bin, "cluster", "up", "--dir", dir, "--net", "emulated")
	cmd.Env = append(os.Environ(), "PATH="+empty)
	out := run(cmd)
	for _, want := range []string{`"ip"`, `"tc"`, "--net emulated"} {
		if !strings.Contains(out, want) {
			t.Errorf("without ip and tc: %q does not name %s", out, want)
		}
	}
	out = run(exec.Command(bin, "cluster", "up", "--dir", dir, "--client-link", "rate=1Gbit"))
	if !strings.Contains(out, "--net emulated") {
		t.Errorf("link flags on loopback: %q does not name --net emulated", out)
	}
	out = run(exec.Command(bin, "cluster", "up", "--dir", dir, "--net", "emulated", "--client-link", "rate=1GB"))
	if !strings.Contains(out, "--client-link") {
		t.Errorf("bad link: %q does not name --client-link", out)
	}
	if os.Geteuid() != 0 {
		cmd = exec.Command(bin, "cluster", "up", "--dir", dir, "--net", "emulated")
	} else {
		// As root, the check for root is seen by running as nobody.
		cmd = exec.Command(bin, "cluster", "up", "--dir", filepath.Join(empty, "c"), "--net", "emulated")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	out = run(cmd)
	if !strings.Contains(out, "root") || !strings.Contains(out, "--net emulated") {
		t.Errorf("without root: %q does not name root and --net emulated", out)
	}
}

// killScenario is a scenario on the emulated network whose one cell runs
// long enough to be killed in the middle.
const killScenario = `name: emulated-kill
seed: 1
cluster:
  targets: 1
  network:
    mode: emulated
    node_link: {rate: 1Gbit}
    client_link: {rate: 100Mbit, loss: 0.01%}
dataset:
  objects: 8
  sizes: [64KiB]
matrix:
  op: [get]
load: {model: closed, workers: 2}
repeats: 1
duration: 60s
`

// TestEmulatedKilledRunCleanedUp kills `etlbench run` (SIGKILL) in the
// middle of a cell on the emulated network: `cluster down` then removes
// every namespace, veth and bridge. A cluster whose processes all died is
// cleaned up by the next `cluster up` in its directory. And a run
// interrupted (Ctrl-C) mid-cell removes everything itself.
func TestEmulatedKilledRunCleanedUp(t *testing.T) {
	testcluster.SkipUnlessEmulated(t)
	bin := testcluster.Binary(t)
	before := rootLinks(t)
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "cluster")
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(dir, embedded.StateFile)); err == nil {
			_ = embedded.Down(dir)
		}
	})
	scen := filepath.Join(tmp, "kill.yaml")
	if err := os.WriteFile(scen, []byte(killScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := startRunMidCell(t, bin, scen, dir, filepath.Join(tmp, "out"))
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	st, err := embedded.LoadState(dir)
	if err != nil || st.Net == nil {
		t.Fatalf("after the kill: state %+v, %v", st, err)
	}
	if got := etlbNetns(t, embedded.NetnsPrefix+st.Net.ID+"-"); len(got) != 4 {
		t.Fatalf("after the kill: namespaces %v, want the cluster's 4", got)
	}
	etlbench(t, bin, "cluster", "down", "--dir", dir)
	checkNothingLeft(t, st, before)
	for _, n := range st.Nodes {
		if syscall.Kill(n.PID, 0) == nil {
			if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", n.PID)); bytes.Contains(b, []byte(n.Dir)) {
				t.Errorf("node %s (pid %d) still runs after cluster down", n.ID, n.PID)
			}
		}
	}

	// Every process of a cluster dies; the next up cleans up after it.
	etlbench(t, bin, "cluster", "up", "--dir", dir, "--targets", "1", "--net", "emulated", "--node-link", "rate=1Gbit")
	if st, err = embedded.LoadState(dir); err != nil {
		t.Fatal(err)
	}
	for _, n := range st.Nodes {
		_ = syscall.Kill(n.PID, syscall.SIGKILL)
	}
	deadline := time.Now().Add(30 * time.Second)
	for st.Running() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	etlbench(t, bin, "cluster", "up", "--dir", dir, "--targets", "1", "--net", "emulated")
	if got := etlbNetns(t, embedded.NetnsPrefix+st.Net.ID+"-"); len(got) != 4 {
		t.Errorf("after the second up: namespaces %v, want one cluster's 4", got)
	}
	etlbench(t, bin, "cluster", "down", "--dir", dir)
	checkNothingLeft(t, st, before)

	// Ctrl-C: the run drains, brings its cluster down and removes it all.
	cmd = startRunMidCell(t, bin, scen, dir, filepath.Join(tmp, "out2"))
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("etlbench run did not end within 2 minutes of an interrupt")
	}
	if _, err := os.Stat(filepath.Join(dir, embedded.StateFile)); err == nil {
		t.Errorf("the interrupted run left its cluster recorded in %s", dir)
	}
	checkNothingLeft(t, st, before)
}

// startRunMidCell starts `etlbench run` of scen and returns once its cell
// has been measuring for a second.
func startRunMidCell(t *testing.T, bin, scen, dir, out string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "run", "-s", scen, "--cluster-dir", dir, "-o", out, "--display", "lines", "--no-plots")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	running := make(chan bool, 1)
	var seen bytes.Buffer
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			seen.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "load running") {
				running <- true
				break
			}
		}
		close(running)
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case ok := <-running:
		if !ok {
			_ = cmd.Wait()
			t.Fatalf("etlbench run ended before its cell ran: %s", seen.String())
		}
	case <-time.After(3 * time.Minute):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("the cell did not start in 3 minutes")
	}
	time.Sleep(time.Second) // in the middle of the cell
	return cmd
}

// TestEmulatedDelay: a client link delay of 20 ms holds every request
// and its answer 20 ms each way. On a kernel without netem, asking for a
// delay fails at once naming netem and leaves nothing behind.
func TestEmulatedDelay(t *testing.T) {
	testcluster.SkipUnlessEmulated(t)
	bin := testcluster.Binary(t)
	before := rootLinks(t)
	dir := filepath.Join(t.TempDir(), "cluster")
	out, err := exec.Command(bin, "cluster", "up", "--dir", dir, "--targets", "1", "--net", "emulated",
		"--client-link", "rate=1Gbit,delay=20ms,jitter=1ms").CombinedOutput()
	if err != nil {
		if !strings.Contains(string(out), "netem") {
			t.Fatalf("cluster up with a delay: %v: %s", err, out)
		}
		if left := etlbNetns(t, embedded.NetnsPrefix+embedded.NetID(dir)+"-"); len(left) > 0 {
			t.Errorf("namespaces left after the refused delay: %v", left)
		}
		if after := rootLinks(t); strings.Join(after, ",") != strings.Join(before, ",") {
			t.Errorf("host links or qdiscs changed: before %v, after %v", before, after)
		}
		t.Skipf("this kernel has no netem (the refusal names it and leaves nothing): %s", strings.TrimSpace(string(out)))
	}
	st, err := embedded.LoadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := embedded.Down(dir); err != nil {
			t.Error(err)
		}
		checkNothingLeft(t, st, before)
	}()
	cl := st.HTTPClient()
	best := time.Hour
	for range 5 {
		start := time.Now()
		resp, err := cl.Get(st.ProxyURL + "/v1/health")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		best = min(best, time.Since(start))
	}
	// A kept-alive connection: one round trip over the client link.
	if best < 38*time.Millisecond {
		t.Errorf("fastest health request took %v over a link delayed 20ms each way; want at least 38ms", best)
	}
}
