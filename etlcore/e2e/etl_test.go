package e2e

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/faultcheck"
	"github.com/etlbench/etlbench/internal/testcluster"
)

func specYAML(name, comm, image string, extra string) []byte {
	return []byte(fmt.Sprintf("name: %s\ncommunication: %s\nsupport_direct_put: true\nruntime:\n  image: %s\n%s", name, comm, image, extra))
}

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

// putObjects creates bucket bck with n objects obj-NNNN.bin of distinct
// sizes and contents and returns them (name -> content).
func putObjects(t *testing.T, cl *api.Client, bck string, n int) map[string][]byte {
	t.Helper()
	objs := make(map[string][]byte, n)
	for i := range n {
		objs[fmt.Sprintf("obj-%04d.bin", i)] = content(int64(i), 100+i*37)
	}
	if err := faultcheck.PutAll(context.Background(), cl, bck, objs); err != nil {
		t.Fatal(err)
	}
	return objs
}

// TestETLMatrix: {hpush, hpull, ws} x {direct put on, off} x {inline,
// bucket job, template job, single-object copy}, every output verified.
func TestETLMatrix(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	cl := c.Client
	objs := putObjects(t, cl, "src", 60)
	for _, comm := range []string{"hpush", "hpull", "ws"} {
		md5name := "md5-" + comm
		if _, err := cl.ETLInit(ctx, specYAML(md5name, comm+"://", "etlbench/transformer-md5", "")); err != nil {
			t.Fatalf("init %s: %v", md5name, err)
		}
		hname := "hash-" + comm
		if _, err := cl.ETLInit(ctx, specYAML(hname, comm, "etlbench/transformer-hash-with-args", "")); err != nil {
			t.Fatalf("init %s: %v", hname, err)
		}
		// Inline, with and without args.
		for name, b := range objs {
			got, err := cl.GetObjectBytes(ctx, "src", name, api.GetOpts{ETLName: md5name})
			if err != nil {
				t.Fatalf("%s inline %s: %v", comm, name, err)
			}
			if string(got) != md5hex(b) {
				t.Fatalf("%s inline %s: %q, want %q", comm, name, got, md5hex(b))
			}
			got, err = cl.GetObjectBytes(ctx, "src", name, api.GetOpts{ETLName: hname, ETLArgs: "12345"})
			if err != nil {
				t.Fatalf("%s inline hash %s: %v", comm, name, err)
			}
			if want := fmt.Sprintf("%016x", xxhash.NewWithSeed(12345).Sum64()); len(got) != 16 || (len(b) == 0 && string(got) != want) {
				t.Fatalf("%s inline hash %s: %q", comm, name, got)
			}
			h := xxhash.NewWithSeed(12345)
			h.Write(b)
			if string(got) != fmt.Sprintf("%016x", h.Sum64()) {
				t.Fatalf("%s inline hash %s: %q, want %016x", comm, name, got, h.Sum64())
			}
			break
		}
		for _, dp := range []bool{true, false} {
			dp := dp
			// Offline bucket job.
			dst := fmt.Sprintf("dst-%s-%v", comm, dp)
			id, err := cl.StartETLBucket(ctx, "src", dst, api.TCBMsg{ETLName: md5name, DirectPut: &dp, Prepend: "out/"})
			if err != nil {
				t.Fatal(err)
			}
			st := waitJob(t, cl, id)
			if st.ObjsIn != int64(len(objs)) || st.ObjsOut != int64(len(objs)) || st.Errors != 0 || st.ObjsIn != st.ObjsOut+st.Errors {
				t.Fatalf("%s dp=%v job: %+v", comm, dp, st.Counters)
			}
			verifyOut(t, cl, dst, "out/", objs, md5hex)
			// Multi-object template job.
			dst2 := dst + "-tmpl"
			id, err = cl.StartETLListRange(ctx, "src", api.TCOMsg{TCBMsg: api.TCBMsg{ETLName: md5name, DirectPut: &dp}, ToBck: dst2, Template: "obj-{0000..0029}.bin"})
			if err != nil {
				t.Fatal(err)
			}
			st = waitJob(t, cl, id)
			if st.ObjsOut != 30 || st.Errors != 0 {
				t.Fatalf("%s dp=%v template job: %+v", comm, dp, st.Counters)
			}
			ents, err := cl.ListAll(ctx, dst2, "")
			if err != nil || len(ents) != 30 {
				t.Fatalf("template job wrote %d objects (%v), want 30", len(ents), err)
			}
		}
		// Single-object transform-copy.
		for name, b := range objs {
			if err := cl.TransformCopy(ctx, "src", name, "src", "copies/"+name, md5name, ""); err != nil {
				t.Fatalf("%s transform-copy: %v", comm, err)
			}
			got, err := cl.GetObjectBytes(ctx, "src", "copies/"+name, api.GetOpts{})
			if err != nil || string(got) != md5hex(b) {
				t.Fatalf("%s transform-copy result %q %v", comm, got, err)
			}
			_ = cl.DeleteObject(ctx, "src", "copies/"+name)
			break
		}
	}
	// Prometheus metrics: the proxy's map and ETLs, each target's counters.
	metrics := func(url string) string {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if m := metrics(c.ProxyURL); !strings.Contains(m, `etlcore_targets{state="alive"} 3`) || !strings.Contains(m, `etlcore_etls{stage="Running"} 6`) {
		t.Fatalf("proxy metrics:\n%s", m)
	}
	for i := 1; i <= 3; i++ {
		m := metrics(c.Target(i).URL)
		for _, want := range []string{`etlcore_etl_objects_out_total{target="t` + fmt.Sprint(i) + `",etl="md5-ws",comm="ws://"}`, "etlcore_etl_latency_seconds_total{", "etlcore_goroutines{"} {
			if !strings.Contains(m, want) {
				t.Fatalf("target t%d metrics lack %s:\n%s", i, want, m)
			}
		}
	}
	list, err := cl.ETLList(ctx)
	if err != nil || len(list) != 6 {
		t.Fatalf("etl list: %v %v", list, err)
	}
	for _, e := range list {
		if e.Stage != api.StageRunning {
			t.Fatalf("etl %s is %s", e.Name, e.Stage)
		}
	}
}

func waitJob(t *testing.T, cl *api.Client, id string) *api.JobStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := cl.WaitJob(ctx, id, 50*time.Millisecond)
	if err != nil {
		t.Fatalf("wait job %s: %v", id, err)
	}
	if st.State != api.JobFinished {
		t.Fatalf("job %s %s: %s", id, st.State, st.Err)
	}
	return st
}

func verifyOut(t *testing.T, cl *api.Client, bck, prefix string, objs map[string][]byte, f func([]byte) string) {
	t.Helper()
	ents, err := cl.ListAll(context.Background(), bck, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != len(objs) {
		t.Fatalf("%s holds %d objects, want %d", bck, len(ents), len(objs))
	}
	for name, b := range objs {
		got, err := cl.GetObjectBytes(context.Background(), bck, prefix+name, api.GetOpts{})
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != f(b) {
			t.Fatalf("%s/%s%s: %q, want %q", bck, prefix, name, got, f(b))
		}
	}
}

// TestETLLifecycle: stop -> Aborted, start -> Running, delete; bad specs
// are rejected; a killed transformer aborts the ETL on every target.
func TestETLLifecycle(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	cl := c.Client
	objs := putObjects(t, cl, "src", 10)
	bad := map[string]string{
		"name: A\nruntime: {image: etlbench/transformer-echo}\n":                                "name",
		"name: echo-etl\ncommunication: http://\nruntime: {image: etlbench/transformer-echo}\n": "communication",
		"name: echo-etl\ninit_timeout: -3s\nruntime: {image: etlbench/transformer-echo}\n":      "init_timeout",
		"name: echo-etl\n": "runtime",
		"{not json":        "",
		"":                 "empty",
	}
	for spec, want := range bad {
		_, err := cl.ETLInit(ctx, []byte(spec))
		if st := api.StatusOf(err); st < 400 || st >= 500 || !strings.Contains(err.Error(), want) {
			t.Errorf("bad spec %q: %v; want 4xx naming %q", spec, err, want)
		}
	}
	if _, err := cl.ETLInit(ctx, specYAML("echo-etl", "hpush://", "etlbench/transformer-echo", "")); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.ETLInit(ctx, specYAML("echo-etl", "hpush://", "etlbench/transformer-echo", "")); api.StatusOf(err) != http.StatusConflict {
		t.Fatalf("duplicate: %v, want 409", err)
	}
	if err := cl.ETLStop(ctx, "echo-etl"); err != nil {
		t.Fatal(err)
	}
	d, err := cl.ETLShow(ctx, "echo-etl")
	if err != nil || d.Info.Stage != api.StageAborted {
		t.Fatalf("after stop: %+v %v", d, err)
	}
	for id, ti := range d.Targets {
		if ti.Stage != api.StageAborted {
			t.Fatalf("target %s: %s after stop", id, ti.Stage)
		}
	}
	if err := cl.ETLStart(ctx, "echo-etl"); err != nil {
		t.Fatal(err)
	}
	for name, b := range objs {
		got, err := cl.GetObjectBytes(ctx, "src", name, api.GetOpts{ETLName: "echo-etl"})
		if err != nil || string(got) != string(b) {
			t.Fatalf("echo after restart: %v", err)
		}
		break
	}
	// A transformer that never becomes healthy fails init after init_timeout.
	start := time.Now()
	_, err = cl.ETLInit(ctx, []byte("name: never-ready\ninit_timeout: 2s\nruntime:\n  image: x\n  command: [\"sleep\", \"60\"]\n"))
	if err == nil || !strings.Contains(err.Error(), "init_timeout") || time.Since(start) > 15*time.Second {
		t.Fatalf("never-healthy init: %v after %v", err, time.Since(start))
	}
	if out, _ := os.ReadFile("/proc/self/status"); len(out) == 0 {
		t.Skip("no /proc")
	}
	// kill -9 one target's transformer: Aborted everywhere within 5 s.
	pid := transformerPID(t, c, "echo-etl")
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		d, err = cl.ETLShow(ctx, "echo-etl")
		if err == nil && d.Info.Stage == api.StageAborted && faultcheck.AllAborted(d) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ETL not Aborted on all targets 5s after its transformer was killed: %+v", d)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(d.Info.Reason, "died") {
		t.Fatalf("reason %q does not say the transformer died", d.Info.Reason)
	}
	if err := cl.ETLDelete(ctx, "echo-etl"); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.ETLShow(ctx, "echo-etl"); !api.IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
	time.Sleep(500 * time.Millisecond)
	if n := countTransformers(c); n != 0 {
		t.Fatalf("%d transformer processes left after delete", n)
	}
}

// transformerPID finds a transformer process started by the cluster.
func transformerPID(t *testing.T, c *testcluster.Cluster, etl string) int {
	t.Helper()
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if strings.Contains(string(env), "/v1/etl/_object/"+etl+"/") && strings.Contains(string(env), c.Dir) {
			return pid
		}
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if strings.Contains(string(cmd), "transformer\x00") && strings.Contains(string(env), c.Dir) && strings.Contains(string(env), etl) {
			return pid
		}
	}
	t.Fatalf("no transformer process of %s found", etl)
	return 0
}

// countTransformers is the number of transformer processes of c.
func countTransformers(c *testcluster.Cluster) int { return len(transformerPIDs(c)) }
