package e2e

import (
	"context"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/embedded"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// TestBadSpecsStartNothing: every invalid spec gets a 4xx naming the
// problem, and no transformer process is started for any of them.
func TestBadSpecsStartNothing(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	rt := "runtime:\n  image: etlbench/transformer-echo\n"
	bad := []struct{ spec, want string }{
		{"name: ab\n" + rt, "name"},
		{"name: Upper-case\n" + rt, "name"},
		{"name: -starts-with-dash\n" + rt, "name"},
		{"name: ends-with-dash-\n" + rt, "name"},
		{"name: " + strings.Repeat("x", 33) + "\n" + rt, "name"},
		{"name: has_underscore\n" + rt, "name"},
		{"name: good-name\ncommunication: http://\n" + rt, "communication"},
		{"name: good-name\ncommunication: grpc\n" + rt, "communication"},
		{"name: good-name\ninit_timeout: -3s\n" + rt, "init_timeout"},
		{"name: good-name\ninit_timeout: forever\n" + rt, "init_timeout"},
		{"name: good-name\nobj_timeout: -1s\n" + rt, "obj_timeout"},
		{"name: good-name\nobj_timeout: 1y\n" + rt, "obj_timeout"},
		{"name: good-name\n", "runtime"},
		{"name: good-name\nruntime: {}\n", "runtime"},
		{"name: good-name\nenv: [{name: \"A=B\", value: x}]\n" + rt, "env"},
		{"name: good-name\nenv: [{name: X, value: a}, {name: X, value: b}]\n" + rt, "env"},
		{"name: good-name\nenv: [{name: AIS_TARGET_URL, value: x}]\n" + rt, "AIS_TARGET_URL"},
		{"name: good-name\nresources: {requests: {cpu: lots}}\n" + rt, "resources"},
		{"name: good-name\nresources: {requests: {memory: 2Gi}, limits: {memory: 1Gi}}\n" + rt, "resources"},
		{"name: good-name\nunknown_field: 1\n" + rt, "unknown_field"},
		{"name: good-name\nsupport_direct_put: maybe\n" + rt, "support_direct_put"},
		{"{\"name\": \"good-name\", \"runtime\": ", ""},
		{"name: [unclosed\n", ""},
		{"", "empty"},
		{"   \n", "empty"},
		{"name: one-spec\n" + rt + "---\nname: two-spec\n" + rt, ""},
		{"{\"name\":\"good-name\",\"runtime\":{\"image\":\"etlbench/transformer-echo\"},\"runtime\":{}}", ""},
	}
	for _, tc := range bad {
		_, err := c.Client.ETLInit(ctx, []byte(tc.spec))
		st := api.StatusOf(err)
		if st < 400 || st >= 500 {
			t.Errorf("spec %q: %v; want a 4xx", tc.spec, err)
			continue
		}
		if tc.want != "" && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("spec %q: %v; want the message to name %q", tc.spec, err, tc.want)
		}
	}
	if list, err := c.Client.ETLList(ctx); err != nil || len(list) != 0 {
		t.Fatalf("after bad specs: %v %v; want no ETL", list, err)
	}
	if n := countTransformers(c); n != 0 {
		t.Fatalf("%d transformer processes started by bad specs", n)
	}
	// A duplicate name is 409, the first one keeps running.
	if _, err := c.Client.ETLInit(ctx, specYAML("dup-name", "hpush", "etlbench/transformer-echo", "")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Client.ETLInit(ctx, specYAML("dup-name", "ws", "etlbench/transformer-echo", "")); api.StatusOf(err) != 409 {
		t.Fatalf("duplicate: %v, want 409", err)
	}
}

// TestStopAbortsOnlyItsJobs: stopping one ETL fails the jobs that use it
// and no other (better than AIStore).
func TestStopAbortsOnlyItsJobs(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	cl := c.Client
	objs := putObjects(t, cl, "src", 60)
	for _, n := range []string{"slow-one", "slow-two"} {
		if _, err := cl.ETLInit(ctx, specYAML(n, "hpush", "etlbench/transformer-fault", "")); err != nil {
			t.Fatal(err)
		}
	}
	msg := func(etl string) api.TCBMsg {
		return api.TCBMsg{ETLName: etl, ETLArgs: "delay=60ms", NumWorkers: 1}
	}
	id1, err := cl.StartETLBucket(ctx, "src", "dst-one", msg("slow-one"))
	if err != nil {
		t.Fatal(err)
	}
	id2, err := cl.StartETLBucket(ctx, "src", "dst-two", msg("slow-two"))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := cl.ETLStop(ctx, "slow-one"); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	s1, err := cl.WaitJob(wctx, id1, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if s1.State != api.JobFailed || !strings.Contains(s1.Err, `etl "slow-one" aborted`) {
		t.Fatalf("job of the stopped ETL: %s %q; want failed naming the ETL", s1.State, s1.Err)
	}
	if s1.ObjsOut >= int64(len(objs)) {
		t.Fatalf("job of the stopped ETL wrote all %d objects", s1.ObjsOut)
	}
	s2, err := cl.WaitJob(wctx, id2, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if s2.State != api.JobFinished || s2.ObjsOut != int64(len(objs)) || s2.Errors != 0 {
		t.Fatalf("job of the other ETL: %s %+v %q; want finished with all %d", s2.State, s2.Counters, s2.Err, len(objs))
	}
	verifyOut(t, cl, "dst-two", "", objs, func(b []byte) string { return string(b) })
}

// TestProxyRestartKeepsETLs: the proxy persists its buckets and ETLs, so a
// restarted proxy still knows them and serves through them.
func TestProxyRestartKeepsETLs(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	objs := putObjects(t, c.Client, "src", 5)
	if _, err := c.Client.ETLInit(ctx, specYAML("kept-etl", "ws", "etlbench/transformer-md5", "")); err != nil {
		t.Fatal(err)
	}
	var proxy embedded.NodeState
	for _, n := range c.State.Nodes {
		if n.Role == "proxy" {
			proxy = n
		}
	}
	u, err := url.Parse(c.ProxyURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(proxy.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var restartErr error
	for i := 0; i < 50; i++ { // the port frees as soon as the process is gone
		if _, restartErr = embedded.RestartNode(rctx, c.State, c.Binary, u.Hostname(), proxy.ID, "--port", u.Port()); restartErr == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if restartErr != nil {
		t.Fatal(restartErr)
	}
	if err := c.Client.WaitTargets(rctx, 3, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	list, err := c.Client.ETLList(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "kept-etl" || list[0].Stage != api.StageRunning {
		t.Fatalf("after proxy restart: %+v %v", list, err)
	}
	for name, b := range objs {
		got, err := c.Client.GetObjectBytes(ctx, "src", name, api.GetOpts{ETLName: "kept-etl"})
		if err != nil || string(got) != md5hex(b) {
			t.Fatalf("inline after proxy restart: %q %v", got, err)
		}
	}
}
