package kubedeploy

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/faultcheck"
)

// failoverBound is how soon after the primary stops answering another
// proxy must be primary (the bound; the proxies' detection is
// three failed probes).
const failoverBound = 10 * time.Second

// k8sPrimaryDeletedUnderLoad: the primary proxy pod is deleted (no grace
// period) under mixed PUT and inline-ETL GET load through a surviving
// proxy while an offline job runs. Another proxy is primary within 10 s of
// the primary going silent (measured and logged); requests through the
// survivors succeed again; every ETL stays Running; the job finishes with
// every output verified; every acknowledged PUT is served; uncordoned, the
// pod the StatefulSet brings back rejoins as a non-primary.
func k8sPrimaryDeletedUnderLoad(ctx context.Context, t *testing.T, cs kubernetes.Interface, res *Result, n int, name func(int) string) {
	if len(res.ProxyURLs) < 3 {
		t.Fatalf("want 3 proxies, the deployment has %v", res.ProxyURLs)
	}
	urls := map[string]string{}  // pod name (proxy id) -> URL
	nodes := map[string]string{} // pod name -> node
	for i, p := range res.Proxies {
		urls[p.Name], nodes[p.Name] = res.ProxyURLs[i], p.Node
	}
	sm, err := api.NewClient(res.ProxyURL).Smap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	victim := sm.Proxy.ID
	if urls[victim] == "" || len(sm.Proxies) != 3 {
		t.Fatalf("primary %q is not one of the proxy pods %v (cluster map proxies %+v)", victim, urls, sm.Proxies)
	}
	var survivors []*api.Client
	for id, u := range urls {
		if id != victim {
			survivors = append(survivors, api.NewClient(u))
		}
	}
	cl := survivors[0]
	const etl = "echo-failover-k8s"
	spec := fmt.Sprintf("name: %s\ncommunication: hpush://\ninit_timeout: 3m\nruntime:\n  image: etlbench/transformer-echo\n", etl)
	if _, err := cl.ETLInit(ctx, []byte(spec)); err != nil {
		t.Fatal(err)
	}
	running := runningETLs(ctx, t, cl)
	id, err := cl.StartETLBucket(ctx, "src", "dst-failover", api.TCBMsg{ETLName: etl})
	if err != nil {
		t.Fatal(err)
	}

	const bound = 15 * time.Second
	load := faultcheck.StartMixedLoad(ctx, cl, "src", etl, 4, n, bound, name, faultcheck.Object)
	time.Sleep(2 * time.Second)
	before := load.OK()
	// The victim's node is cordoned, so the StatefulSet's new pod waits
	// (every other node holds a proxy) and the failover happens; a pod back
	// on its node within the detection time would simply be primary again.
	cordon(ctx, t, cs, nodes[victim], true)
	t.Cleanup(func() { cordon(context.Background(), t, cs, nodes[victim], false) })
	zero := int64(0)
	if err := cs.CoreV1().Pods(res.Namespace).Delete(ctx, victim, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	deleted := time.Now()
	silent := waitSilent(ctx, t, urls[victim], deleted)
	newPrimary, took := waitNewPrimary(ctx, t, survivors, victim, silent)
	t.Logf("primary %s deleted; silent %v later; %s primary %v after that", victim,
		silent.Sub(deleted).Round(time.Millisecond), newPrimary, took.Round(time.Millisecond))
	if took > failoverBound {
		t.Errorf("new primary %v after the old one went silent, want within %v", took, failoverBound)
	}
	time.Sleep(3 * time.Second) // requests through the survivors go on
	// Requests through a surviving non-primary need no primary (objects
	// redirect to their targets), so they may all succeed.
	load.Stop(t, before)

	for _, s := range survivors {
		for name := range running {
			if d, err := s.ETLShow(ctx, name); err != nil || d.Info.Stage != api.StageRunning {
				t.Errorf("ETL %s after the failover through %s: %v %+v, want Running", name, s.Base, err, d)
			}
		}
	}
	st, err := cl.WaitJob(ctx, id, 250*time.Millisecond)
	// The bucket holds the n objects and what earlier load PUT.
	if err != nil || st.State != api.JobFinished || st.ObjsOut < int64(n) || st.Errors != 0 {
		t.Fatalf("job %s across the failover: %+v %v; want finished with at least %d out, no errors", id, st, err, n)
	}
	if err := faultcheck.VerifyObjects(ctx, cl, "dst-failover", n, name); err != nil {
		t.Fatalf("job output: %v", err)
	}
	okPut := load.Acknowledged()
	for obj, i := range okPut {
		got, err := survivors[1].GetObjectBytes(ctx, "src", obj, api.GetOpts{})
		if err != nil || !bytes.Equal(got, faultcheck.Object(i)) {
			t.Fatalf("acknowledged PUT %s lost in the failover: %v", obj, err)
		}
	}
	t.Logf("after the failover: job output (%d) and %d acknowledged PUTs verified", n, len(okPut))
	cordon(ctx, t, cs, nodes[victim], false)
	waitRejoined(ctx, t, cs, res.Namespace, survivors[0], victim, newPrimary)
	if err := cl.ETLDelete(ctx, etl); err != nil {
		t.Fatal(err)
	}
}

// runningETLs are the names of the ETLs that are Running.
func runningETLs(ctx context.Context, t *testing.T, cl *api.Client) map[string]bool {
	t.Helper()
	list, err := cl.ETLList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range list {
		if e.Stage == api.StageRunning {
			out[e.Name] = true
		}
	}
	return out
}

// waitSilent waits until the proxy at url stops answering its health check
// and returns when that was first seen.
func waitSilent(ctx context.Context, t *testing.T, url string, since time.Time) time.Time {
	t.Helper()
	hc := &http.Client{Timeout: 500 * time.Millisecond}
	for {
		resp, err := hc.Get(url + api.PathHealth)
		if err != nil {
			return time.Now()
		}
		resp.Body.Close()
		if time.Since(since) > time.Minute {
			t.Fatalf("proxy %s still answers a minute after its pod was deleted", url)
		}
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitNewPrimary waits until every survivor names the same primary, not
// old, and returns it with the time since silent.
func waitNewPrimary(ctx context.Context, t *testing.T, survivors []*api.Client, old string, silent time.Time) (string, time.Duration) {
	t.Helper()
	for {
		agreed := ""
		for i, s := range survivors {
			sm, err := s.Smap(ctx)
			if err != nil || sm.Proxy.ID == old || (i > 0 && sm.Proxy.ID != agreed) {
				agreed = ""
				break
			}
			agreed = sm.Proxy.ID
		}
		if agreed != "" {
			return agreed, time.Since(silent)
		}
		if time.Since(silent) > time.Minute {
			t.Fatalf("no proxy took over from %s within a minute", old)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitRejoined waits until the recreated pod of proxy id is in the cluster
// map, alive, and the primary is still primary: it joined as a non-primary.
func waitRejoined(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns string, cl *api.Client, id, primary string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		sm, err := cl.Smap(ctx)
		if err == nil {
			if sm.Proxy.ID != primary {
				t.Fatalf("primary changed from %s to %s when %s came back", primary, sm.Proxy.ID, id)
			}
			for _, p := range sm.Proxies {
				if p.ID == id && p.Alive {
					pod, err := cs.CoreV1().Pods(ns).Get(ctx, id, metav1.GetOptions{})
					if err != nil {
						t.Fatal(err)
					}
					own, err := api.NewClient(p.URL).Smap(ctx)
					if err != nil || own.Proxy.ID != primary {
						t.Fatalf("rejoined %s (pod on %s) names primary %v (%v), want %s", id, pod.Spec.NodeName, own, err, primary)
					}
					t.Logf("%s rejoined as a non-primary at %s (node %s)", id, p.URL, pod.Spec.NodeName)
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("proxy %s did not rejoin within 3 min", id)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
