package target

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/cluster"
	"github.com/etlbench/etlbench/etlcore/proxy"
)

// runNode runs a proxy's or target's Run until the test ends and returns
// a channel that gets the URL once the node is ready.
func runNode(t *testing.T, run func(context.Context, func(string)) error) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	urlc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(u string) { urlc <- u }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && ctx.Err() == nil {
			t.Errorf("node: %v", err)
		}
	})
	return urlc
}

// waitURL waits for a node's URL.
func waitURL(t *testing.T, urlc <-chan string, what string) string {
	t.Helper()
	select {
	case u := <-urlc:
		return u
	case <-time.After(30 * time.Second):
		t.Fatalf("%s not ready within 30 s", what)
	}
	return ""
}

// newNodeTarget is target id in a temporary directory that joins proxyURL
// and logs nothing.
func newNodeTarget(t *testing.T, id, proxyURL string) *Target {
	t.Helper()
	tg, err := New(Config{ID: id, Host: "127.0.0.1", Dir: t.TempDir(), ProxyURL: proxyURL, Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// heldJoins relays to a proxy and holds the answer of every join until
// release is closed; held gets a value once a join was answered by the
// proxy (the cluster map of the answer is made by then).
type heldJoins struct {
	held    chan struct{}
	release chan struct{}
	once    sync.Once
}

func startHeldJoins(t *testing.T, proxyURL string) (*heldJoins, string) {
	t.Helper()
	u, err := url.Parse(proxyURL)
	if err != nil {
		t.Fatal(err)
	}
	h := &heldJoins{held: make(chan struct{}), release: make(chan struct{})}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		if strings.HasSuffix(resp.Request.URL.Path, "/join") {
			h.once.Do(func() { close(h.held) })
			<-h.release
		}
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { h.free() })
	return h, srv.URL
}

func (h *heldJoins) free() {
	select {
	case <-h.release:
	default:
		close(h.release)
	}
}

// A target whose join answer is slower than the cluster-map push of a
// later join keeps the newer map: with the older one it would take objects
// of the later target for its own (store them where the proxy never looks
// for them: listed, but 404 through the proxy). The timing is held, not
// hoped for: t1's join answer waits in a relay until t2 has joined and t1
// holds the map with both.
func TestJoinAnswerOlderThanPush(t *testing.T) {
	p, err := proxy.New(proxy.Config{Host: "127.0.0.1", Dir: t.TempDir(), Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	purl := waitURL(t, runNode(t, p.Run), "proxy")
	relay, rurl := startHeldJoins(t, purl)

	t1 := newNodeTarget(t, "t1", rurl)
	t1ready := runNode(t, t1.Run)
	select {
	case <-relay.held:
	case <-time.After(30 * time.Second):
		t.Fatal("t1 did not join within 30 s")
	}
	t2 := newNodeTarget(t, "t2", purl)
	waitURL(t, runNode(t, t2.Run), "t2")
	cl := api.NewClient(purl)
	ctx := context.Background()
	sm, err := cl.Smap(ctx)
	if err != nil || len(sm.Targets) != 2 {
		t.Fatalf("cluster map %+v, %v: want t1 and t2", sm, err)
	}
	// t1 takes the push of the map with t2 while its join answer waits.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if cur := t1.smap.Load(); cur != nil && cur.Version >= sm.Version {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("t1 did not get the cluster map of version %d: %+v", sm.Version, t1.smap.Load())
		}
	}
	relay.free()
	waitURL(t, t1ready, "t1")
	if cur := t1.smap.Load(); cur.Version < sm.Version || len(cur.Targets) != 2 {
		t.Fatalf("t1 holds cluster map version %d with %d targets after its join answer; the cluster's is version %d with 2",
			cur.Version, len(cur.Targets), sm.Version)
	}

	// What a target with the older map did: store objects of t2 that a
	// peer or a client sent to it. Each must end where the proxy routes it.
	if err := cl.CreateBucket(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	t1URL := cluster.Target(sm, "t1").URL
	hc := api.NewClient(t1URL).HTTP
	var names []string
	for i := 0; len(names) < 10; i++ {
		name := fmt.Sprintf("obj-%03d", i)
		if o, _ := cluster.Owner(sm, "b", name); o.ID != "t2" {
			continue
		}
		names = append(names, name)
		body := []byte("content of " + name)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPut, t1URL+api.ObjPath("b", name), bytes.NewReader(body))
		resp, err := hc.Do(req) // follows t1's redirect to the owner
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("PUT b/%s at t1: %d", name, resp.StatusCode)
		}
	}
	ents, err := cl.ListAll(ctx, "b", "")
	if err != nil || len(ents) != len(names) {
		t.Fatalf("listing: %d objects, %v; want %d", len(ents), err, len(names))
	}
	for _, e := range ents {
		if got, err := cl.GetObjectBytes(ctx, "b", e.Name, api.GetOpts{}); err != nil || string(got) != "content of "+e.Name {
			t.Errorf("listed b/%s, GET through the proxy: %q, %v", e.Name, got, err)
		}
	}

	// A forward to a target that does not own the object (its map says
	// another does, and it redirects) is a failure, not a delivery.
	var mine string
	for i := 0; mine == ""; i++ {
		if o, _ := cluster.Owner(sm, "b", fmt.Sprintf("fwd-%03d", i)); o.ID == "t1" {
			mine = fmt.Sprintf("fwd-%03d", i)
		}
	}
	n, err := t1.forward(ctx, cluster.Target(sm, "t2"), "b", mine, strings.NewReader("forwarded"), int64(len("forwarded")))
	if err == nil || !strings.Contains(err.Error(), "t2") {
		t.Errorf("forward of b/%s (owned by t1) to t2: %d bytes, %v; want an error naming t2", mine, n, err)
	}
	if _, err := cl.HeadObject(ctx, "b", mine); !api.IsNotFound(err) {
		t.Errorf("HEAD b/%s after the refused forward: %v, want 404", mine, err)
	}
}
