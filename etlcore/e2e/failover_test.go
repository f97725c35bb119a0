package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/faultcheck"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// TestFailoverPrimaryKilled: kill -9 of the primary proxy under a mixed
// load (PUT + inline ETL GET through both other proxies) with an offline
// job running: a new primary within 10 s (measured), requests through the
// surviving proxies succeed (control requests too), both ETLs stay
// Running with their transformers, the job completes with every output
// verified, every acknowledged PUT is there, and the old primary,
// restarted, joins as a non-primary.
func TestFailoverPrimaryKilled(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3, Proxies: 3})
	ctx := context.Background()
	p2, p3 := c.ProxyClient(2), c.ProxyClient(3)
	const n, nJob = 200, 3000
	name := func(i int) string { return fmt.Sprintf("m/%04d", i) }
	for _, bck := range []string{"mix2", "mix3"} {
		if err := faultcheck.PutObjects(ctx, c.Client, bck, n, name); err != nil {
			t.Fatal(err)
		}
	}
	if err := faultcheck.PutObjects(ctx, c.Client, "src", nJob, name); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Client.ETLInit(ctx, specYAML("echo-inline", "hpush://", "etlbench/transformer-echo", "")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Client.ETLInit(ctx, specYAML("slow-echo", "hpush://", "etlbench/transformer-fault", "")); err != nil {
		t.Fatal(err)
	}
	etlsBefore, err := p2.ETLList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pids := transformerPIDs(c)
	job, err := c.Client.StartETLBucket(ctx, "src", "dst", api.TCBMsg{ETLName: "slow-echo", ETLArgs: "delay=3ms", Prepend: "out/"})
	if err != nil {
		t.Fatal(err)
	}
	const bound = 10 * time.Second
	load2 := faultcheck.StartMixedLoad(ctx, p2, "mix2", "echo-inline", 3, n, bound, name, faultcheck.Object)
	load3 := faultcheck.StartMixedLoad(ctx, p3, "mix3", "echo-inline", 3, n, bound, name, faultcheck.Object)
	time.Sleep(time.Second)
	if st, err := p3.Job(ctx, job); err != nil || st.Finished() {
		t.Fatalf("job before the kill: %+v %v; want it running (make it longer)", st, err)
	}
	before2, before3 := load2.OK(), load3.OK()
	c.KillProxy(1)
	killed := time.Now()
	primary, took := waitNewPrimary(ctx, t, "p1", killed.Add(faultBound), p2, p3)
	t.Logf("new primary %s %v after kill -9 of p1", primary, took.Round(time.Millisecond))
	fmt.Printf("failover: new primary %s %v after kill -9 of the primary\n", primary, took.Round(time.Millisecond))

	// Control requests through both survivors.
	for i, cl := range []*api.Client{p2, p3} {
		if err := cl.CreateBucket(ctx, fmt.Sprintf("after-%d", i+2)); err != nil {
			t.Fatalf("create bucket through p%d after the failover: %v", i+2, err)
		}
	}
	time.Sleep(2 * time.Second) // more load through the new primary's cluster
	errs2, errs3 := load2.Stop(t, before2), load3.Stop(t, before3)
	t.Logf("load errors through p2 %v, through p3 %v", errs2, errs3)

	for i, cl := range []*api.Client{p2, p3} {
		list, err := cl.ETLList(ctx)
		if err != nil || len(list) != 2 {
			t.Fatalf("ETL list through p%d: %+v %v", i+2, list, err)
		}
		for k, e := range list {
			if e.Stage != api.StageRunning || e.XactID != etlsBefore[k].XactID {
				t.Fatalf("ETL %s through p%d after the failover: %s (%s), job id %s, was %s: want Running, not started again",
					e.Name, i+2, e.Stage, e.Reason, e.XactID, etlsBefore[k].XactID)
			}
		}
	}
	if after := transformerPIDs(c); !samePIDs(after, pids) {
		t.Fatalf("transformers %v after the failover, %v before: want the same processes", after, pids)
	}
	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	st, err := p3.WaitJob(wctx, job, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case st.State == api.JobFinished && st.ObjsOut == nJob && st.Errors == 0:
		t.Logf("job %s finished across the failover: %d objects", job, st.ObjsOut)
	case st.State == api.JobFailed && strings.Contains(st.Err, "failover"):
		t.Logf("job %s failed naming the failover: %s", job, st.Err)
	default:
		t.Fatalf("job across the failover: %s %+v %q; want finished with %d out (or failed naming the failover)", st.State, st.Counters, st.Err, nJob)
	}
	if st.State == api.JobFinished {
		if err := faultcheck.ForEach(nJob, 16, func(i int) error {
			got, err := p2.GetObjectBytes(ctx, "dst", "out/"+name(i), api.GetOpts{})
			if err != nil {
				return err
			}
			if !bytes.Equal(got, faultcheck.Object(i)) {
				return fmt.Errorf("dst/out/%s: wrong bytes", name(i))
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	for bck, load := range map[string]*faultcheck.MixedLoad{"mix2": load2, "mix3": load3} {
		acked, err := load.VerifyAcknowledged(ctx, p3)
		if err != nil {
			t.Fatalf("after the failover: %v", err)
		}
		if acked == 0 {
			t.Fatalf("no PUT to %s acknowledged", bck)
		}
		if err := faultcheck.VerifyObjects(ctx, p3, bck, n, name); err != nil {
			t.Fatal(err)
		}
	}

	// The old primary comes back as a non-primary of the new one.
	c.RestartProxy(1)
	p1 := c.ProxyClient(1)
	sm, err := p1.Smap(ctx)
	if err != nil || sm.Proxy.ID != primary {
		t.Fatalf("restarted p1's cluster map: %+v %v; want %s primary", sm, err, primary)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		sm, err := p2.Smap(ctx)
		if err == nil && proxyAlive(sm, "p1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("p1 not alive in p2's map 5 s after its restart: %+v %v", sm, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := p1.CreateBucket(ctx, "after-1"); err != nil {
		t.Fatalf("create bucket through the restarted p1: %v", err)
	}
	bcks, err := p3.ListBuckets(ctx)
	if err != nil || !slices.Contains(bcks, "after-1") || !slices.Contains(bcks, "after-2") {
		t.Fatalf("buckets through p3: %v %v", bcks, err)
	}
	if err := faultcheck.VerifyObjects(ctx, p1, "src", nJob, name); err != nil {
		t.Fatal(err)
	}
}

// faultBound is the failover time the tests require: a new primary within it.
const faultBound = 10 * time.Second

// waitNewPrimary waits until every client's proxy names the same primary,
// not old, by deadline; it returns the primary and how long it took.
func waitNewPrimary(ctx context.Context, t *testing.T, old string, deadline time.Time, cls ...*api.Client) (string, time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		ids := map[string]bool{}
		for _, cl := range cls {
			cctx, cancel := context.WithTimeout(ctx, time.Second)
			sm, err := cl.Smap(cctx)
			cancel()
			if err == nil {
				ids[sm.Proxy.ID] = true
			} else {
				ids[""] = true
			}
		}
		if len(ids) == 1 && !ids[""] && !ids[old] {
			for id := range ids {
				return id, time.Since(start)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new primary in place of %s by the deadline (%v): proxies name %v", old, time.Since(start), ids)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func proxyAlive(sm *api.Smap, id string) bool {
	for _, p := range sm.AllProxies() {
		if p.ID == id {
			return p.Alive
		}
	}
	return false
}

// transformerPIDs returns the pids of every transformer process of c.
func transformerPIDs(c *testcluster.Cluster) map[int]bool {
	out := map[int]bool{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if strings.Contains(string(cmd), "transformer\x00") && strings.Contains(string(env), c.Dir) {
			out[pid] = true
		}
	}
	return out
}

// samePIDs reports whether a and b hold the same pids (and some).
func samePIDs(a, b map[int]bool) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// TestProxiesRollingRestart: every proxy killed and restarted in turn,
// with objects written and buckets created through the others meanwhile:
// after the last one nothing is lost (every object, bucket, the ETL, a
// finished job's status, from every proxy) and the ETL was not started
// again (same job id, same transformer processes).
func TestProxiesRollingRestart(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3, Proxies: 3})
	ctx := context.Background()
	const n = 100
	name := func(i int) string { return fmt.Sprintf("r/%04d", i) }
	if err := faultcheck.PutObjects(ctx, c.Client, "roll", n, name); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Client.ETLInit(ctx, specYAML("echo-roll", "hpush://", "etlbench/transformer-echo", "")); err != nil {
		t.Fatal(err)
	}
	job, err := c.Client.StartETLBucket(ctx, "roll", "rolled", api.TCBMsg{ETLName: "echo-roll"})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if st, err := c.Client.WaitJob(wctx, job, 50*time.Millisecond); err != nil || st.State != api.JobFinished {
		t.Fatalf("job: %+v %v", st, err)
	}
	etls, err := c.Client.ETLList(ctx)
	if err != nil || len(etls) != 1 {
		t.Fatalf("ETL list: %+v %v", etls, err)
	}
	pids := transformerPIDs(c)
	step := func(i int) string { return fmt.Sprintf("step%d/", i) }
	for i := 1; i <= 3; i++ {
		id := fmt.Sprintf("p%d", i)
		var others []*api.Client
		for j := 1; j <= 3; j++ {
			if j != i {
				others = append(others, c.ProxyClient(j))
			}
		}
		c.KillProxy(i)
		primary, took := waitNewPrimary(ctx, t, id, time.Now().Add(faultBound), others...)
		t.Logf("%s killed: primary %s (%v)", id, primary, took.Round(time.Millisecond))
		if err := faultcheck.ForEach(n, 8, func(k int) error {
			b := faultcheck.Object(k)
			return others[k%2].PutObject(ctx, "roll", step(i)+name(k), bytes.NewReader(b), int64(len(b)))
		}); err != nil {
			t.Fatalf("PUT with %s down: %v", id, err)
		}
		if err := others[1].CreateBucket(ctx, "bucket-"+id); err != nil {
			t.Fatalf("create bucket with %s down: %v", id, err)
		}
		c.RestartProxy(i)
		sm, err := c.ProxyClient(i).Smap(ctx)
		if err != nil || sm.Proxy.ID != primary {
			t.Fatalf("restarted %s names primary %+v (%v), want %s", id, sm, err, primary)
		}
	}
	var want []byte
	for i := 1; i <= 3; i++ {
		cl := c.ProxyClient(i)
		list, err := cl.ETLList(ctx)
		if err != nil || len(list) != 1 || list[0].Stage != api.StageRunning || list[0].XactID != etls[0].XactID {
			t.Fatalf("ETL list through p%d after the rolling restart: %+v %v; want echo-roll Running, job id %s", i, list, err, etls[0].XactID)
		}
		bcks, err := cl.ListBuckets(ctx)
		if err != nil || strings.Join(bcks, ",") != "bucket-p1,bucket-p2,bucket-p3,roll,rolled" {
			t.Fatalf("buckets through p%d: %v %v", i, bcks, err)
		}
		st, err := cl.Job(ctx, job)
		if err != nil || st.State != api.JobFinished || st.ObjsOut != n {
			t.Fatalf("job status through p%d: %+v %v", i, st, err)
		}
		got, err := getBody(ctx, cl, api.PathJobs+"/"+job, nil)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			want = got
		} else if !bytes.Equal(got, want) {
			t.Fatalf("job status through p%d differs from p1's:\n%s\n%s", i, got, want)
		}
		for s := 0; s <= 3; s++ {
			prefix := step(s)
			if s == 0 {
				prefix = ""
			}
			if err := faultcheck.VerifyObjects(ctx, cl, "roll", n, func(k int) string { return prefix + name(k) }); err != nil {
				t.Fatalf("through p%d: %v", i, err)
			}
		}
	}
	if after := transformerPIDs(c); !samePIDs(after, pids) {
		t.Fatalf("transformers %v after the rolling restart, %v before: an ETL was started again", after, pids)
	}
}

// TestFailoverTransformerDiesMeanwhile: a transformer that dies while the
// primary is gone (killed a moment before) is not lost: its target keeps
// telling the proxies until the new primary takes it, and the ETL is
// Aborted, naming the death, through every surviving proxy.
func TestFailoverTransformerDiesMeanwhile(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 2, Proxies: 3})
	ctx := context.Background()
	if _, err := c.Client.ETLInit(ctx, specYAML("dies-meanwhile", "hpush://", "etlbench/transformer-echo", "")); err != nil {
		t.Fatal(err)
	}
	pid := transformerPID(t, c, "dies-meanwhile")
	c.KillProxy(1)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p2, p3 := c.ProxyClient(2), c.ProxyClient(3)
	primary, took := waitNewPrimary(ctx, t, "p1", time.Now().Add(faultBound), p2, p3)
	t.Logf("new primary %s after %v", primary, took.Round(time.Millisecond))
	for _, cl := range []*api.Client{p2, p3} {
		d := faultcheck.WaitAborted(ctx, t, cl, "dies-meanwhile", time.Now().Add(faultBound))
		if !strings.Contains(d.Info.Reason, "died") {
			t.Fatalf("ETL aborted through %s with reason %q: want the transformer's death", cl.Base, d.Info.Reason)
		}
	}
}

// TestFailoverPrimaryHung: a primary that stops answering without dying
// (SIGSTOP) is replaced within the bound too (its probes time out), a
// bucket can be created through a survivor meanwhile, and once it runs
// again (SIGCONT) it steps down on the new primary's push: one primary,
// one cluster map, the new bucket in it.
func TestFailoverPrimaryHung(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 2, Proxies: 3})
	ctx := context.Background()
	pid := c.Proxy(1).PID
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT) })
	p2, p3 := c.ProxyClient(2), c.ProxyClient(3)
	primary, took := waitNewPrimary(ctx, t, "p1", time.Now().Add(faultBound), p2, p3)
	t.Logf("new primary %s %v after SIGSTOP of p1", primary, took.Round(time.Millisecond))
	if err := p3.CreateBucket(ctx, "while-hung"); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	p1 := c.ProxyClient(1)
	deadline := time.Now().Add(5 * time.Second)
	for {
		sm, err := p1.Smap(ctx)
		bcks, berr := p1.ListBuckets(ctx)
		if err == nil && berr == nil && sm.Proxy.ID == primary && slices.Contains(bcks, "while-hung") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("resumed p1 5 s later: map %+v (%v), buckets %v (%v); want %s primary and the new bucket", sm, err, bcks, berr, primary)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Every proxy names the same primary.
	waitNewPrimary(ctx, t, "p1", time.Now().Add(time.Second), p1, p2, p3)
}

// TestFailoverReconcilesStages: an ETL stop that reached a target but
// that the primary had not recorded when it died (the stop sent to t1
// directly stands for it) is not lost: the new primary finds the ETL
// Aborted on t1 and aborts it everywhere, with t1's reason.
func TestFailoverReconcilesStages(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 2, Proxies: 3})
	ctx := context.Background()
	if _, err := c.Client.ETLInit(ctx, specYAML("half-stopped", "hpush://", "etlbench/transformer-echo", "")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Client.ETLInit(ctx, specYAML("kept-running", "hpush://", "etlbench/transformer-echo", "")); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(api.ETLStopMsg{Reason: "stop sent by the old primary"})
	resp, err := http.Post(c.Target(1).URL+api.PathInternal+"etl/half-stopped/stop", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stop on t1: status %d", resp.StatusCode)
	}
	c.KillProxy(1)
	p2, p3 := c.ProxyClient(2), c.ProxyClient(3)
	primary, took := waitNewPrimary(ctx, t, "p1", time.Now().Add(faultBound), p2, p3)
	t.Logf("new primary %s after %v", primary, took.Round(time.Millisecond))
	for _, cl := range []*api.Client{p2, p3} {
		d := faultcheck.WaitAborted(ctx, t, cl, "half-stopped", time.Now().Add(5*time.Second))
		if !strings.Contains(d.Info.Reason, "stop sent by the old primary") || !strings.Contains(d.Info.Reason, "t1") {
			t.Fatalf("ETL aborted through %s with reason %q: want t1's", cl.Base, d.Info.Reason)
		}
		list, err := cl.ETLList(ctx)
		if err != nil || len(list) != 2 || list[0].Name != "half-stopped" || list[1].Stage != api.StageRunning {
			t.Fatalf("ETL list through %s: %+v %v; want kept-running still Running", cl.Base, list, err)
		}
	}
}
