package e2e

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// aisBin returns the path of one of AIStore's own binaries in
// ../shared/aistore/bin (beside the repository), or skips the test saying
// why.
func aisBin(t *testing.T, name string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "aistore", "bin", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("AIStore's %s is not at %s (../shared/aistore/bin beside the repository): %v", name, p, err)
	}
	return p
}

// aisCLI runs AIStore's ais CLI against one etlcore cluster, with a CLI
// configuration of its own.
type aisCLI struct {
	t   *testing.T
	bin string
	env []string
}

func newAisCLI(t *testing.T, proxyURL string) *aisCLI {
	return &aisCLI{t: t, bin: aisBin(t, "ais"),
		env: append(os.Environ(), api.EnvEndpoint+"="+proxyURL, "AIS_CLI_CONFIG_DIR="+t.TempDir(), "NO_COLOR=1")}
}

// run runs ais with args and returns its stdout, stderr and exit code.
func (a *aisCLI) run(args ...string) (string, string, int) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, a.bin, args...)
	cmd.Env = a.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			a.t.Fatalf("ais %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	return out.String(), errb.String(), code
}

// ok runs ais and fails the test unless it exits 0; it returns stdout.
func (a *aisCLI) ok(args ...string) string {
	a.t.Helper()
	out, errs, code := a.run(args...)
	if code != 0 {
		a.t.Fatalf("ais %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// okContains runs ais and checks that stdout has every one of want.
func (a *aisCLI) okContains(args []string, want ...string) string {
	a.t.Helper()
	out := a.ok(args...)
	for _, w := range want {
		if !strings.Contains(out, w) {
			a.t.Fatalf("ais %s: output lacks %q:\n%s", strings.Join(args, " "), w, out)
		}
	}
	return out
}

// lsNames lists bucket bck with the ais CLI and returns the object names.
func (a *aisCLI) lsNames(args ...string) []string {
	a.t.Helper()
	out := a.ok(append([]string{"ls"}, args...)...)
	var names []string
	for _, line := range strings.Split(out, "\n")[1:] { // the first line is the header
		if f := strings.Fields(line); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	sort.Strings(names)
	return names
}

// aisSessionFiles writes the session's local files: one.txt and a
// directory d/ of six files. It returns the local root and the contents
// by object name (as put under ais://src).
func aisSessionFiles(t *testing.T) (string, map[string][]byte) {
	root := t.TempDir()
	objs := map[string][]byte{"one.txt": []byte("one object\n")}
	for i := 1; i <= 6; i++ {
		objs[fmt.Sprintf("d/a%d.txt", i)] = bytes.Repeat([]byte(fmt.Sprintf("line %d\n", i)), 100*i)
	}
	for name, b := range objs {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, objs
}

// TestAisCLISession runs a user's session with AIStore's own ais CLI
// (unchanged, from ../shared/aistore/bin) against an etlcore cluster:
// buckets, objects, the cluster, ETLs over hpush, hpull and ws (init from a
// runtime spec, show, errors, logs, inline, transform-copy, bucket jobs
// with every flag, multi-object jobs by list and template), jobs (show,
// stop) and the ETL lifecycle. Every output is checked against what the
// cluster holds.
func TestAisCLISession(t *testing.T) {
	aisBin(t, "ais")
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	a := newAisCLI(t, c.ProxyURL)
	ctx := context.Background()

	a.okContains([]string{"show", "cluster"}, "p[p1]", "t[t1]", "t[t2]", "t[t3]", "online")
	a.okContains([]string{"bucket", "create", "ais://src"}, `"ais://src" created`)
	a.okContains([]string{"ls"}, "ais://src")

	root, objs := aisSessionFiles(t)
	a.okContains([]string{"put", filepath.Join(root, "one.txt"), "ais://src/one.txt"}, "ais://src/one.txt")
	a.ok("put", filepath.Join(root, "d"), "ais://src/d/", "--recursive", "--yes")
	all := slices.Sorted(maps.Keys(objs))
	if got := a.lsNames("ais://src"); strings.Join(got, ",") != strings.Join(all, ",") {
		t.Fatalf("ais ls ais://src: %v, want %v", got, all)
	}
	if got := a.lsNames("ais://src", "--prefix", "d/", "--page-size", "2"); len(got) != 6 || got[0] != "d/a1.txt" {
		t.Fatalf("ais ls --prefix d/ --page-size 2: %v", got)
	}
	// One page of two: the listing stops there.
	if got := a.lsNames("ais://src", "--prefix", "d/", "--paged", "--page-size", "2", "--max-pages", "1"); len(got) != 2 {
		t.Fatalf("ais ls --paged --page-size 2 --max-pages 1: %v, want 2 names", got)
	}
	a.okContains([]string{"ls", "ais://src", "--props", "name,size,checksum"}, fmt.Sprintf("%016x", xxhash.Sum64(objs["d/a4.txt"])))
	out := filepath.Join(t.TempDir(), "one.out")
	a.ok("get", "ais://src/one.txt", out)
	if b, err := os.ReadFile(out); err != nil || !bytes.Equal(b, objs["one.txt"]) {
		t.Fatalf("ais get: %q %v", b, err)
	}
	a.okContains([]string{"object", "show", "ais://src/one.txt"}, fmt.Sprintf("xxhash2[%016x]", xxhash.Sum64(objs["one.txt"])),
		fmt.Sprint(len(objs["one.txt"]), "B"))
	if got := a.ok("object", "cat", "ais://src/d/a2.txt"); got != string(objs["d/a2.txt"]) {
		t.Fatalf("ais object cat: %d bytes, want %d", len(got), len(objs["d/a2.txt"]))
	}
	if _, errs, code := a.run("ls", "ais://nosuchbucket"); code == 0 || !strings.Contains(errs, "does not exist") {
		t.Fatalf("ais ls of a missing bucket: exit %d, %q", code, errs)
	}

	// The three modes at once (the group ends when all three have).
	t.Run("etl", func(t *testing.T) {
		for _, comm := range []string{"hpush", "hpull", "ws"} {
			t.Run(comm, func(t *testing.T) {
				t.Parallel()
				aisCLIETL(t, newAisCLI(t, c.ProxyURL), c, comm, objs)
			})
		}
		t.Run("stop-job", func(t *testing.T) {
			t.Parallel()
			aisCLIStopJob(t, newAisCLI(t, c.ProxyURL), c)
		})
		t.Run("pod-spec", func(t *testing.T) {
			t.Parallel()
			aisCLIPodSpec(t, newAisCLI(t, c.ProxyURL), objs)
		})
		t.Run("errors", func(t *testing.T) {
			t.Parallel()
			aisCLIErrors(t, newAisCLI(t, c.ProxyURL), len(objs))
		})
	})

	if err := ctx.Err(); err != nil {
		t.Fatal(err)
	}
	a.okContains([]string{"bucket", "rm", "ais://src", "--yes"}, `"ais://src" destroyed`)
	if ok, err := c.Client.HeadBucket(ctx, "src"); err != nil || ok {
		t.Fatalf("after ais bucket rm: bucket exists=%v, %v", ok, err)
	}
	aisCLICleanup(t, a, c)
}

// aisCLICleanup: the destroyed bucket waits in the targets' trash until
// AIStore's storage cleanup job, which `ais storage cleanup --wait` starts
// and follows to its end; a kind etlcore does not start is refused by name.
func aisCLICleanup(t *testing.T, a *aisCLI, c *testcluster.Cluster) {
	trash := filepath.Join(c.Dir, "t*", "mp*", ".work", "trash", "*")
	if left, _ := filepath.Glob(trash); len(left) == 0 {
		t.Fatalf("no destroyed bucket in the trash (%s) before the cleanup", trash)
	}
	a.okContains([]string{"storage", "cleanup", "--wait"}, "Started storage cleanup", "Done")
	if left, _ := filepath.Glob(trash); len(left) != 0 {
		t.Fatalf("after ais storage cleanup --wait the trash holds %v", left)
	}
	a.okContains([]string{"show", "job", "--all"}, "cleanup-store", "Finished")
	_, err := c.Client.StartXaction(context.Background(), "lru")
	if err == nil || !strings.Contains(err.Error(), `kind "lru" cannot be started`) {
		t.Fatalf("start job lru: %v, want a refusal naming the kind", err)
	}
}

// aisETLSpec is a runtime spec as AIStore's docs give it (ais etl init
// --spec FILE); aisCLIPodSpec inits from the other form, a Pod spec.
func aisETLSpec(t *testing.T, name, comm, image string, env map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\ncommunication: %s://\ninit_timeout: 60s\nobj_timeout: 30s\nsupport_direct_put: true\nruntime:\n  image: %s\n", name, comm, image)
	if len(env) > 0 {
		b.WriteString("  env:\n")
		for k, v := range env {
			fmt.Fprintf(&b, "    - name: %s\n      value: %q\n", k, v)
		}
	}
	p := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// aisCLIETL is the ETL part of the session, over one communication mode.
func aisCLIETL(t *testing.T, a *aisCLI, c *testcluster.Cluster, comm string, objs map[string][]byte) {
	ctx := context.Background()
	name := "md5-" + comm
	a.okContains([]string{"etl", "init", "--spec", aisETLSpec(t, name, comm, "etlbench/transformer-md5", nil)},
		"ETL["+name+"]: job ")
	a.okContains([]string{"etl", "show"}, name)
	a.okContains([]string{"etl", "show", name}, "communication_type:  "+comm+"://", "image:  etlbench/transformer-md5")

	// Inline, to stdout.
	if got := a.ok("etl", "object", name, "ais://src/d/a3.txt", "-"); got != md5hex(objs["d/a3.txt"]) {
		t.Fatalf("ais etl object %s: %q, want %q", name, got, md5hex(objs["d/a3.txt"]))
	}
	// Transform-copy into another bucket under another name.
	dst := "tc-" + comm
	a.ok("bucket", "create", "ais://"+dst)
	a.okContains([]string{"etl", "object", name, "cp", "ais://src/one.txt", "ais://" + dst + "/one.md5"}, "ais://"+dst+"/one.md5")
	if got := a.ok("object", "cat", "ais://"+dst+"/one.md5"); got != md5hex(objs["one.txt"]) {
		t.Fatalf("transform-copy: %q, want %q", got, md5hex(objs["one.txt"]))
	}

	// checkBucket verifies that bck holds exactly want (object -> source
	// object), each the md5 of its source.
	checkBucket := func(bck string, want map[string]string) {
		t.Helper()
		var names []string
		for n := range want {
			names = append(names, n)
		}
		sort.Strings(names)
		if got := a.lsNames("ais://" + bck); strings.Join(got, ",") != strings.Join(names, ",") {
			t.Fatalf("ais ls ais://%s: %v, want %v", bck, got, names)
		}
		for n, src := range want {
			b, err := c.Client.GetObjectBytes(ctx, bck, n, api.GetOpts{})
			if err != nil || string(b) != md5hex(objs[src]) {
				t.Fatalf("%s/%s: %q %v, want the md5 of %s", bck, n, b, err, src)
			}
		}
	}

	// The whole bucket.
	whole := map[string]string{}
	for n := range objs {
		whole[n] = n
	}
	a.okContains([]string{"etl", "bucket", name, "ais://src", "ais://all-" + comm, "--wait"}, "etl-bucket[job-")
	checkBucket("all-"+comm, whole)

	// A prefix, an extension map, a prepended path, two workers.
	sel := map[string]string{}
	for n := range objs {
		if strings.HasPrefix(n, "d/") {
			sel["out/"+strings.TrimSuffix(n, ".txt")+".md5"] = n
		}
	}
	a.ok("etl", "bucket", name, "ais://src", "ais://sel-"+comm, "--prefix", "d/", "--ext", "{txt:md5}", "--prepend", "out/", "--num-workers", "2", "--wait")
	checkBucket("sel-"+comm, sel)

	// A dry run counts and writes nothing.
	a.okContains([]string{"etl", "bucket", name, "ais://src", "ais://dry-" + comm, "--dry-run", "--wait"},
		fmt.Sprintf("transformed=%d", len(objs)))
	if ok, err := c.Client.HeadBucket(ctx, "dry-"+comm); err != nil || ok {
		t.Fatalf("dry run: destination exists=%v, %v", ok, err)
	}

	// Multi-object: by list and by template.
	a.ok("etl", "bucket", name, "ais://src", "ais://list-"+comm, "--list", "one.txt,d/a5.txt", "--wait")
	checkBucket("list-"+comm, map[string]string{"one.txt": "one.txt", "d/a5.txt": "d/a5.txt"})
	a.ok("etl", "bucket", name, "ais://src", "ais://tmpl-"+comm, "--template", "d/a{2..4}.txt", "--wait")
	checkBucket("tmpl-"+comm, map[string]string{"d/a2.txt": "d/a2.txt", "d/a3.txt": "d/a3.txt", "d/a4.txt": "d/a4.txt"})

	// No object failed, every target has a log.
	if got := a.ok("etl", "show", "errors", name); strings.Count(strings.TrimSpace(got), "\n") != 0 || !strings.Contains(got, "OBJECT") {
		t.Fatalf("ais etl show errors %s: want only the header:\n%s", name, got)
	}
	a.okContains([]string{"etl", "view-logs", name}, "t1:", "t2:", "t3:")
	a.okContains([]string{"etl", "view-logs", name, "t2"})

	// Lifecycle: stop, start (and it works again), remove.
	a.okContains([]string{"etl", "stop", name}, "stopped")
	a.okContains([]string{"etl", "show"}, "Aborted")
	if _, _, code := a.run("etl", "object", name, "ais://src/one.txt", "-"); code == 0 {
		t.Fatalf("ais etl object on a stopped etl: exit 0")
	}
	a.okContains([]string{"etl", "start", name}, "started")
	if got := a.ok("etl", "object", name, "ais://src/one.txt", "-"); got != md5hex(objs["one.txt"]) {
		t.Fatalf("after start: %q", got)
	}
	a.okContains([]string{"etl", "rm", name}, "deleted")
	if got := a.ok("etl", "show"); strings.Contains(got, name) {
		t.Fatalf("ais etl show after rm still lists %s:\n%s", name, got)
	}
}

var jobIDRe = regexp.MustCompile(`\[(job-[0-9a-f]+)\]`)

// startJob runs ais with args (an ais etl bucket command) and returns the
// id of the job it started.
func (a *aisCLI) startJob(args ...string) string {
	a.t.Helper()
	out := a.ok(args...)
	m := jobIDRe.FindStringSubmatch(out)
	if m == nil {
		a.t.Fatalf("ais %s: no job id in %q", strings.Join(args, " "), out)
	}
	return m[1]
}

// aisCLIStopJob starts a slow bucket job (a transformer that waits on every
// object), sees it with ais show job, stops it with ais stop job, and sees
// it aborted.
func aisCLIStopJob(t *testing.T, a *aisCLI, c *testcluster.Cluster) {
	name := "slow-etl"
	a.ok("etl", "init", "--spec", aisETLSpec(t, name, "hpush", "etlbench/transformer-fault", map[string]string{"ETLBENCH_DEFAULT_ARGS": "delay=3s"}))
	id := a.startJob("etl", "bucket", name, "ais://src", "ais://slow-dst", "--num-workers", "1")
	a.okContains([]string{"show", "job", id}, id, "Running")
	a.ok("stop", "job", id)
	deadline := time.Now().Add(60 * time.Second)
	for {
		js, err := c.Client.Job(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if js.State == api.JobAborted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ais stop job %s: job still %s", id, js.State)
		}
		time.Sleep(100 * time.Millisecond)
	}
	a.okContains([]string{"show", "job", id, "--all"}, id, "Aborted")
	a.ok("etl", "rm", name)
}

// aisCLIErrors runs bucket jobs through a transformer that fails every
// object: with --cont-on-err the job finishes and ais etl show errors
// lists every object with its status; without, ais etl bucket --wait
// fails naming the job's errors.
func aisCLIErrors(t *testing.T, a *aisCLI, n int) {
	name := "fail-etl"
	a.ok("etl", "init", "--spec", aisETLSpec(t, name, "hpush", "etlbench/transformer-fault", map[string]string{"ETLBENCH_DEFAULT_ARGS": "fail=500"}))
	id := a.startJob("etl", "bucket", name, "ais://src", "ais://fail-dst", "--cont-on-err", "--wait")
	lines := strings.Split(strings.TrimSpace(a.ok("etl", "show", "errors", name, id)), "\n")
	if len(lines) != n+1 {
		t.Fatalf("ais etl show errors %s %s: %d lines, want a header and %d objects:\n%s", name, id, len(lines), n, strings.Join(lines, "\n"))
	}
	for _, l := range lines[1:] {
		if f := strings.Fields(l); len(f) < 3 || f[1] != "500" || !strings.Contains(l, "failed on purpose") {
			t.Fatalf("ais etl show errors: line %q", l)
		}
	}
	if _, errs, code := a.run("etl", "bucket", name, "ais://src", "ais://fail-dst2", "--wait"); code == 0 || !strings.Contains(errs, "finished with errors") {
		t.Fatalf("a failing job without --cont-on-err: exit %d, %q", code, errs)
	}
	if _, errs, code := a.run("etl", "object", name, "ais://src/one.txt", "-"); code == 0 || !strings.Contains(errs, "500") {
		t.Fatalf("inline through a failing transformer: exit %d, %q", code, errs)
	}
	a.ok("etl", "rm", name)
}

// aisCLIPodSpec inits an ETL with ais etl init --spec from AIStore's
// quickstart Pod spec (the CLI sends it as AIStore's InitSpecMsg), shows
// it and transforms through it.
func aisCLIPodSpec(t *testing.T, a *aisCLI, objs map[string][]byte) {
	p := filepath.Join(t.TempDir(), "pod.yaml")
	if err := os.WriteFile(p, []byte(quickstartPodSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	a.okContains([]string{"etl", "init", "--spec", p}, "ETL[transformer-md5]: job ")
	a.okContains([]string{"etl", "show", "transformer-md5"}, "aistorage/transformer_md5")
	if got := a.ok("etl", "object", "transformer-md5", "ais://src/d/a6.txt", "-"); got != md5hex(objs["d/a6.txt"]) {
		t.Fatalf("inline through the Pod-spec ETL: %q, want %q", got, md5hex(objs["d/a6.txt"]))
	}
	a.okContains([]string{"etl", "rm", "transformer-md5"}, "deleted")
}
