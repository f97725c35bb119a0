package runtime

import (
	"bytes"
	"context"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/etl"
)

func selfBinary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// startHelper starts the helper transformer with the given behaviour through
// the built-in image mapping and stops it at the end of the test.
func startHelper(t *testing.T, behaviour string, mutate func(*StartRequest)) (*procInstance, StartRequest) {
	t.Helper()
	rt := NewProcess(ProcessConfig{SelfBinary: selfBinary(t)})
	req := StartRequest{
		Spec: &etl.Spec{
			Name:    "test-" + behaviour,
			Env:     []etl.EnvVar{{Name: "SPEC_VAR", Value: "from-spec"}, {Name: "SHARED", Value: "spec"}},
			Runtime: etl.RuntimeSpec{Image: "etlbench/transformer-" + behaviour},
		},
		TargetID:   "t1",
		TargetURL:  "http://127.0.0.1:1/v1/etl/_object/test/secret",
		DirectPut:  true,
		Mountpaths: []string{"/mp/a", "/mp/b"},
		WorkDir:    t.TempDir(),
	}
	if mutate != nil {
		mutate(&req)
	}
	inst, err := rt.Start(context.Background(), req)
	if err != nil {
		t.Fatalf("start %s: %v", behaviour, err)
	}
	pi := inst.(*procInstance)
	t.Cleanup(func() {
		_ = pi.Stop(context.Background())
		waitGone(t, pi.pid, 30*time.Second)
	})
	return pi, req
}

func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func TestProcessEnvLogsMetricsStop(t *testing.T) {
	t.Setenv("AIS_ENDPOINT", "http://inherited")   // dropped: AIS_*
	t.Setenv("AIS_TARGET_URL", "http://inherited") // replaced
	t.Setenv("PORT", "1")                          // replaced
	t.Setenv("ETLBENCH_TEST_INHERITED", "kept")    // kept
	t.Setenv("SHARED", "inherited")                // the spec wins
	pi, req := startHelper(t, "serve", func(r *StartRequest) {
		r.Spec.Runtime.Env = []etl.EnvVar{{Name: "RUNTIME_VAR", Value: "from-runtime"}, {Name: "PORT", Value: "2"}}
	})
	if !strings.HasPrefix(pi.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL %q", pi.URL())
	}
	waitHealthy(t, pi.URL())

	var env []string
	getJSON(t, pi.URL()+"/env", &env)
	m := envMap(env)
	u, _ := url.Parse(pi.URL())
	want := map[string]string{
		"AIS_TARGET_URL":          req.TargetURL,
		"DIRECT_PUT":              "true",
		"direct_put":              "true",
		"PORT":                    u.Port(),
		"HOST":                    "127.0.0.1",
		"ETLBENCH_MOUNTPATHS":     "/mp/a:/mp/b",
		"SPEC_VAR":                "from-spec",
		"RUNTIME_VAR":             "from-runtime",
		"SHARED":                  "spec",
		"ETLBENCH_TEST_INHERITED": "kept",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("env %s = %q, want %q", k, m[k], v)
		}
	}
	if v, ok := m["AIS_ENDPOINT"]; ok {
		t.Errorf("inherited AIS_ENDPOINT=%q reached the transformer", v)
	}

	// logs: both streams, in memory and in the log file
	deadline := time.Now().Add(30 * time.Second)
	var logs bytes.Buffer
	for {
		logs.Reset()
		if err := pi.Logs(&logs); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(logs.String(), "hello stdout") && strings.Contains(logs.String(), "hello stderr") || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, s := range []string{"hello stdout from serve", "hello stderr from serve"} {
		if !strings.Contains(logs.String(), s) {
			t.Errorf("logs lack %q:\n%s", s, logs.String())
		}
	}
	file, err := os.ReadFile(filepath.Join(req.WorkDir, "test-serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(file), "hello stderr from serve") {
		t.Errorf("log file lacks the output:\n%s", file)
	}

	met, err := pi.Metrics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if met.CPUSeconds <= 0 || met.RSSBytes < 16<<20 || met.PeakRSS < met.RSSBytes {
		t.Errorf("metrics %+v: want CPU > 0, RSS >= 16 MiB, peak >= RSS", met)
	}

	if err := pi.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-pi.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	if err := pi.Err(); err != nil {
		t.Errorf("Err after a requested Stop = %v, want nil", err)
	}
	waitGone(t, pi.pid, 30*time.Second)
	if err := pi.Stop(context.Background()); err != nil { // idempotent
		t.Errorf("second Stop: %v", err)
	}
	if _, err := pi.Metrics(context.Background()); err == nil {
		t.Error("Metrics of a stopped transformer: no error")
	}
}

func TestProcessCommandSubstitution(t *testing.T) {
	exe := selfBinary(t)
	pi, _ := startHelper(t, "serve", func(r *StartRequest) {
		r.Spec.Runtime = etl.RuntimeSpec{
			Image:   "example.com/someone/own-transformer:1.0", // ignored: command given
			Command: []string{exe, "transformer", "serve", "--listen", "${HOST}:${PORT}"},
		}
	})
	waitHealthy(t, pi.URL()) // it listens where the substituted argument says
	var args []string
	getJSON(t, pi.URL()+"/args", &args)
	u, _ := url.Parse(pi.URL())
	if want := "127.0.0.1:" + u.Port(); !slices.Contains(args, want) {
		t.Errorf("args %q lack %q", args, want)
	}
}

func TestProcessKill9(t *testing.T) {
	pi, _ := startHelper(t, "serve", nil)
	waitHealthy(t, pi.URL())
	if err := syscall.Kill(pi.pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-pi.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("Done not closed within 30s of kill -9")
	}
	err := pi.Err()
	if err == nil || !strings.Contains(err.Error(), "killed by signal 9") {
		t.Fatalf("Err = %v, want 'killed by signal 9'", err)
	}
	if err := pi.Stop(context.Background()); err != nil {
		t.Errorf("Stop after death: %v", err)
	}
	if pi.Err() == nil {
		t.Error("Stop after death cleared the reason")
	}
}

func TestProcessExitStatus(t *testing.T) {
	pi, _ := startHelper(t, "exit2", nil)
	select {
	case <-pi.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("Done not closed")
	}
	err := pi.Err()
	if err == nil || !strings.HasPrefix(err.Error(), "transformer exited: exit status 2") ||
		!strings.Contains(err.Error(), "something went wrong") {
		t.Fatalf("Err = %v, want exit status 2 with the last output", err)
	}
}

func TestProcessStopKillsGroup(t *testing.T) {
	// "spawn" ignores SIGTERM and starts a grandchild: Stop must fall back
	// to SIGKILL (here after the ctx ends) and take the whole group.
	pi, _ := startHelper(t, "spawn", nil)
	waitHealthy(t, pi.URL())
	var child int
	deadline := time.Now().Add(30 * time.Second)
	for child == 0 && time.Now().Before(deadline) {
		for _, line := range strings.Split(string(pi.ring.Bytes()), "\n") {
			if n, ok := strings.CutPrefix(line, "child pid "); ok {
				child = atoiOr0(n)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if child == 0 {
		t.Fatal("the helper did not report its child")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := pi.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	// Only the SIGTERM grace is a bound: a Stop that ignored its context
	// would wait all of it.
	if d := time.Since(start); d >= stopGrace {
		t.Errorf("Stop took %v with a 300ms context: it waited out the SIGTERM grace (%v)", d, stopGrace)
	}
	waitGone(t, pi.pid, 30*time.Second)
	waitGone(t, child, 30*time.Second)
	if pi.Err() != nil {
		t.Errorf("Err after Stop = %v", pi.Err())
	}
}

func atoiOr0(s string) int {
	n := 0
	for _, c := range strings.TrimSpace(s) {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func TestProcessBadImage(t *testing.T) {
	rt := NewProcess(ProcessConfig{SelfBinary: selfBinary(t)})
	for _, tc := range []struct {
		spec etl.Spec
		want string
	}{
		{etl.Spec{Name: "bad-image", Runtime: etl.RuntimeSpec{Image: "python:3.11"}}, `"python:3.11" cannot run in the process runtime; give runtime.command`},
		{etl.Spec{Name: "no-image"}, "neither runtime.image nor runtime.command"},
		{etl.Spec{Name: "bad-builtin", Runtime: etl.RuntimeSpec{Image: "etlbench/transformer-"}}, "cannot run in the process runtime"},
		{etl.Spec{Name: "no-such-cmd", Runtime: etl.RuntimeSpec{Command: []string{"/nonexistent/transformer"}}}, "/nonexistent/transformer"},
	} {
		_, err := rt.Start(context.Background(), StartRequest{Spec: &tc.spec, WorkDir: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.spec.Name, err, tc.want)
		}
	}
	if rt.Name() != "process" {
		t.Errorf("Name() = %q", rt.Name())
	}
}

func TestBuiltinTransformer(t *testing.T) {
	for img, want := range map[string]string{
		"etlbench/transformer-md5":                    "md5",
		"etlbench/transformer-image-resize:dev":       "image-resize",
		"docker.io/etlbench/transformer-echo:latest":  "echo",
		"etlbench/transformer-Bad":                    "",
		"etlbench/transformer--x":                     "",
		"aistorage/transformer_md5:latest":            "",
		"etlbench/transformer-md5/../../../../bin/sh": "",
	} {
		got, ok := BuiltinTransformer(img)
		if got != want || ok != (want != "") {
			t.Errorf("BuiltinTransformer(%q) = %q, %v; want %q", img, got, ok, want)
		}
	}
}

// Transformer ports come from below the ephemeral range, where neither
// outgoing connections nor port-0 listeners can take them between the
// check and the transformer's listen; each is free when returned.
func TestFreePortBelowEphemeral(t *testing.T) {
	lo, hi := transformerPorts()
	if lo < 1024 || hi-lo < 1024 {
		t.Fatalf("transformer ports [%d, %d): want at least 1,024 ports above 1023", lo, hi)
	}
	seen := map[int]bool{}
	for range 50 {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		if port < lo || port >= hi {
			t.Errorf("port %d outside [%d, %d)", port, lo, hi)
		}
		l, err := net.Listen("tcp", net.JoinHostPort(loopbackHost, strconv.Itoa(port)))
		if err != nil {
			t.Fatalf("port %d not free: %v", port, err)
		}
		l.Close()
		seen[port] = true
	}
	if len(seen) < 40 {
		t.Errorf("50 picks gave %d distinct ports: want them spread", len(seen))
	}
}
