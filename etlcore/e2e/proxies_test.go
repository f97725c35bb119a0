package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/faultcheck"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// TestProxiesAnswerAlike: with 3 proxies and 3 targets, control requests
// sent to the non-primaries (applied through the primary) and reads sent
// to a random proxy each time give the same answers from every proxy:
// objects (plain and through an ETL), the bucket list, object listings,
// the ETL list, job status and the cluster map, which lists every proxy
// and names p1 primary.
func TestProxiesAnswerAlike(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3, Proxies: 3})
	ctx := context.Background()
	p1, p2, p3 := c.ProxyClient(1), c.ProxyClient(2), c.ProxyClient(3)
	const n = 60
	name := func(i int) string { return fmt.Sprintf("in/o-%03d", i) }
	// The bucket is created through a non-primary, objects PUT through another.
	if err := faultcheck.PutObjects(ctx, p2, "src", n, name); err != nil {
		t.Fatal(err)
	}
	if _, err := p3.ETLInit(ctx, specYAML("echo-all", "hpush://", "etlbench/transformer-echo", "")); err != nil {
		t.Fatal(err)
	}
	id, err := p2.StartETLBucket(ctx, "src", "dst", api.TCBMsg{ETLName: "echo-all", Prepend: "out/"})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if st, err := p3.WaitJob(wctx, id, 50*time.Millisecond); err != nil || st.State != api.JobFinished || st.ObjsOut != n {
		t.Fatalf("job through p3: %+v %v; want finished with %d out", st, err, n)
	}

	clients := []*api.Client{p1, p2, p3}
	list := func(bck string) func(cl *api.Client) ([]byte, error) {
		return func(cl *api.Client) ([]byte, error) {
			ents, err := cl.ListAll(ctx, bck, "")
			if err != nil {
				return nil, err
			}
			return json.Marshal(ents)
		}
	}
	raw := func(path string, q url.Values) func(cl *api.Client) ([]byte, error) {
		return func(cl *api.Client) ([]byte, error) { return getBody(ctx, cl, path, q) }
	}
	object := func(i int, etl string) func(cl *api.Client) ([]byte, error) {
		return func(cl *api.Client) ([]byte, error) {
			return cl.GetObjectBytes(ctx, "src", name(i), api.GetOpts{ETLName: etl})
		}
	}
	reqs := map[string]func(cl *api.Client) ([]byte, error){
		"bucket list":     raw(api.PathBuckets, nil),
		"listing src":     list("src"),
		"listing dst":     list("dst"),
		"ETL list":        raw(api.PathETL, nil),
		"job status":      raw(api.PathJobs+"/"+id, nil),
		"job list":        raw(api.PathJobs, nil),
		"cluster map":     raw(api.PathCluster, nil),
		"AIStore smap":    raw(api.PathDaemon, url.Values{api.QparamWhat: {api.WhatSmap}}),
		"object 7":        object(7, ""),
		"object 7 inline": object(7, "echo-all"),
		"dst object 9": func(cl *api.Client) ([]byte, error) {
			return cl.GetObjectBytes(ctx, "dst", "out/"+name(9), api.GetOpts{})
		},
	}
	// The ETL list counts inline transforms: take it (and the cluster
	// maps) from every proxy before any inline GET.
	order := []string{"ETL list", "cluster map", "AIStore smap", "bucket list", "listing src", "listing dst",
		"job status", "job list", "object 7", "dst object 9", "object 7 inline"}
	for _, what := range order {
		var want []byte
		for i, cl := range clients {
			got, err := reqs[what](cl)
			if err != nil {
				t.Fatalf("%s from p%d: %v", what, i+1, err)
			}
			if i == 0 {
				want = got
				continue
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s from p%d differs from p1's:\n%s\nvs\n%s", what, i+1, got, want)
			}
		}
	}
	// Random proxies, every object, plain and inline.
	for i := range n {
		for _, etl := range []string{"", "echo-all"} {
			cl := clients[rand.IntN(len(clients))]
			got, err := cl.GetObjectBytes(ctx, "src", name(i), api.GetOpts{ETLName: etl})
			if err != nil || !bytes.Equal(got, faultcheck.Object(i)) {
				t.Fatalf("GET %s (etl %q) through %s: %d bytes, %v", name(i), etl, cl.Base, len(got), err)
			}
		}
	}
	sm, err := p3.Smap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sm.Proxy.ID != "p1" || len(sm.Proxies) != 3 {
		t.Fatalf("cluster map from p3: primary %s, proxies %+v; want p1 primary of 3", sm.Proxy.ID, sm.Proxies)
	}
	for _, p := range sm.Proxies {
		if !p.Alive {
			t.Errorf("proxy %s not alive in the map", p.ID)
		}
	}
	// AIStore's node status of each proxy, asked of another (as `ais show
	// cluster` does): each answers for itself and names p1 primary.
	for i, cl := range clients {
		id := fmt.Sprintf("p%d", (i+1)%3+1)
		resp, err := cl.Do(ctx, http.MethodGet, api.PathReverseDaemon, url.Values{api.QparamWhat: {api.WhatNodeStatus}}, nil, http.Header{api.HdrNodeID: {id}})
		if err != nil {
			t.Fatalf("node status of %s through p%d: %v", id, i+1, err)
		}
		var st api.AisNodeStatus
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil || st.Snode == nil || st.Snode.DaeID != id || st.Cluster.Smap.Primary.ID != "p1" {
			t.Fatalf("node status of %s through p%d: %+v %v; want %s's, naming p1 primary", id, i+1, st.Snode, err, id)
		}
	}
}

// getBody GETs path from cl's proxy and returns the body.
func getBody(ctx context.Context, cl *api.Client, path string, q url.Values) ([]byte, error) {
	resp, err := cl.Do(ctx, http.MethodGet, path, q, nil, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// TestMetaPushByVersion: on real nodes, a metadata push to a non-primary
// proxy that repeats the version it holds, or brings an older one, is
// ignored ({"applied": false}) and changes nothing; a cluster-map push to
// a target older than its map is not taken either.
func TestMetaPushByVersion(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 2, Proxies: 2})
	ctx := context.Background()
	p2 := c.ProxyClient(2)
	meta := func() map[string]any {
		t.Helper()
		b, err := getBody(ctx, p2, api.PathInternal+"meta", nil)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	push := func(m map[string]any) (applied bool, held float64) {
		t.Helper()
		b, _ := json.Marshal(m)
		resp, err := p2.Do(ctx, http.MethodPut, api.PathInternal+"meta", nil, bytes.NewReader(b), http.Header{"Content-Type": {"application/json"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r struct {
			Applied bool    `json:"applied"`
			Version float64 `json:"version"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			t.Fatal(err)
		}
		return r.Applied, r.Version
	}
	old := meta()
	// A change through the primary reaches p2 as a newer version.
	if err := c.ProxyClient(1).CreateBucket(ctx, "after"); err != nil {
		t.Fatal(err)
	}
	cur := meta()
	if cur["version"].(float64) <= old["version"].(float64) {
		t.Fatalf("p2's metadata version %v after a bucket create, was %v", cur["version"], old["version"])
	}
	if applied, held := push(cur); applied || held != cur["version"].(float64) {
		t.Fatalf("duplicate push (version %v): applied %v, p2 holds %v; want ignored", cur["version"], applied, held)
	}
	if applied, _ := push(old); applied {
		t.Fatalf("out-of-order push (version %v, p2 holds %v) was applied", old["version"], cur["version"])
	}
	bcks, err := p2.ListBuckets(ctx)
	if err != nil || strings.Join(bcks, ",") != "after" {
		t.Fatalf("p2's buckets after the ignored pushes: %v %v; want [after]", bcks, err)
	}
	if b, err := getBody(ctx, p2, api.PathInternal+"meta", nil); err != nil || !strings.Contains(string(b), `"after"`) {
		t.Fatalf("p2's metadata after the ignored pushes: %s %v", b, err)
	}

	// A target keeps its newer cluster map.
	tg := c.Target(1)
	get := func() api.TargetVersions {
		t.Helper()
		resp, err := http.Get(tg.URL + api.PathInternal + "smap")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tv api.TargetVersions
		if err := json.NewDecoder(resp.Body).Decode(&tv); err != nil {
			t.Fatal(err)
		}
		return tv
	}
	before := get()
	sm, err := p2.Smap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stale := api.ClusterMeta{Smap: *sm, BMDVersion: before.BMDVersion}
	stale.Smap.Version = before.SmapVersion - 1
	stale.Smap.Proxy = api.NodeInfo{ID: "p9", Role: "proxy", URL: "http://127.0.0.1:1", Alive: true}
	b, _ := json.Marshal(stale)
	req, _ := http.NewRequest(http.MethodPut, tg.URL+api.PathInternal+"smap", bytes.NewReader(b))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tv api.TargetVersions
	_ = json.NewDecoder(resp.Body).Decode(&tv)
	resp.Body.Close()
	if tv.Applied || tv.SmapVersion != before.SmapVersion {
		t.Fatalf("target took a cluster map older than its own: %+v (held %+v)", tv, before)
	}
	// The objects of the bucket still go where the real map says.
	if err := c.ProxyClient(2).PutObject(ctx, "after", "x", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
}
