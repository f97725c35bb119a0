package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/embedded"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// randSize returns 0 B .. 4 MiB, log-uniform so that small and large
// objects are both well represented.
func randSize(rng *rand.Rand) int {
	if rng.Intn(20) == 0 {
		return 0
	}
	return rng.Intn(1 << uint(rng.Intn(22)+1))
}

func content(seed int64, size int) []byte {
	b := make([]byte, size)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

func TestObjectsRoundTrip(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	cl := c.Client
	if err := cl.CreateBucket(ctx, "src"); err != nil {
		t.Fatal(err)
	}
	const n = 1000
	rng := rand.New(rand.NewSource(1))
	sizes := make([]int, n)
	for i := range sizes {
		sizes[i] = randSize(rng)
	}
	name := func(i int) string { return fmt.Sprintf("dir%d/obj-%04d", i%7, i) }
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 16)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			b := content(int64(i), sizes[i])
			if err := cl.PutObject(ctx, "src", name(i), bytes.NewReader(b), int64(len(b))); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Every object comes back byte-identical, with its checksum.
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			got, err := cl.GetObjectBytes(ctx, "src", name(i), api.GetOpts{})
			if err != nil {
				t.Error(err)
				return
			}
			if !bytes.Equal(got, content(int64(i), sizes[i])) {
				t.Errorf("%s: content differs (%d bytes, want %d)", name(i), len(got), sizes[i])
			}
		}(i)
	}
	wg.Wait()
	// Spread over all three targets.
	for i := 1; i <= 3; i++ {
		cnt := 0
		root := filepath.Join(c.Target(i).Dir, "mp1", "src")
		_ = filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				cnt++
			}
			return nil
		})
		if cnt < n/6 {
			t.Errorf("target t%d holds %d of %d objects; placement is not spread", i, cnt, n)
		}
	}
	// List returns exactly n with correct sizes, also paged.
	all, err := cl.ListAll(ctx, "src", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != n {
		t.Fatalf("list: %d entries, want %d", len(all), n)
	}
	want := map[string]int{}
	for i := 0; i < n; i++ {
		want[name(i)] = sizes[i]
	}
	for _, e := range all {
		if s, ok := want[e.Name]; !ok || int64(s) != e.Size {
			t.Fatalf("list entry %s size %d: want %d (known %v)", e.Name, e.Size, s, ok)
		}
	}
	pages, count := 0, 0
	msg := api.ListMsg{PageSize: 97}
	for {
		page, err := cl.ListObjects(ctx, "src", msg)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		count += len(page.Entries)
		if page.ContinuationToken == "" {
			break
		}
		msg.ContinuationToken = page.ContinuationToken
	}
	if count != n || pages != (n+96)/97 {
		t.Fatalf("paged list: %d entries in %d pages, want %d in %d", count, pages, n, (n+96)/97)
	}
	pre, err := cl.ListAll(ctx, "src", "dir3/")
	if err != nil {
		t.Fatal(err)
	}
	if len(pre) != (n+3)/7 {
		t.Fatalf("prefix list: %d entries, want %d", len(pre), (n+3)/7)
	}
	// Range GET, HEAD, DELETE.
	big := -1
	for i, s := range sizes {
		if s > 1000 {
			big = i
			break
		}
	}
	resp, err := cl.GetObject(ctx, "src", name(big), api.GetOpts{Range: "bytes=10-19"})
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, content(int64(big), sizes[big])[10:20]) {
		t.Fatalf("range GET: status %d, %d bytes", resp.StatusCode, len(part))
	}
	attrs, err := cl.HeadObject(ctx, "src", name(big))
	if err != nil || attrs.Size != int64(sizes[big]) || len(attrs.Checksum) != 16 {
		t.Fatalf("HEAD: %+v %v", attrs, err)
	}
	if err := cl.DeleteObject(ctx, "src", name(big)); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.HeadObject(ctx, "src", name(big)); !api.IsNotFound(err) {
		t.Fatalf("HEAD after DELETE: %v, want 404", err)
	}
	// Bucket HEAD and destroy.
	if ok, err := cl.HeadBucket(ctx, "src"); !ok || err != nil {
		t.Fatalf("HEAD bucket: %v %v", ok, err)
	}
	if err := cl.DestroyBucket(ctx, "src"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := cl.HeadBucket(ctx, "src"); ok {
		t.Fatal("bucket still exists after destroy")
	}
	if _, err := cl.GetObjectBytes(ctx, "src", name(0), api.GetOpts{}); api.StatusOf(err) != 404 {
		t.Fatalf("GET in destroyed bucket: %v, want 404", err)
	}
}

func TestBadInput(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	if err := c.Client.CreateBucket(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := c.Client.CreateBucket(ctx, "b"); api.StatusOf(err) != http.StatusConflict {
		t.Fatalf("duplicate bucket: %v, want 409", err)
	}
	long := strings.Repeat("x", 1025)
	cases := []struct {
		method, path, body string
		status             int
		msg                string
	}{
		{"GET", "/v1/objects/b/a%2F..%2Fetc", "", 400, `".." segment`},
		{"GET", "/v1/objects/b/a/./b", "", 400, `"." segment`},
		{"PUT", "/v1/objects/b/a%00b", "x", 400, "NUL"},
		{"GET", "/v1/objects/b/" + long, "", 400, "at most 1024"},
		{"GET", "/v1/objects/b/%FF", "", 400, "UTF-8"},
		{"GET", "/v1/objects/nobucket/x", "", 404, `bucket "nobucket" does not exist`},
		{"GET", "/v1/objects/b/missing", "", 404, "does not exist"},
		{"GET", "/v1/objects/.hidden/x", "", 400, "must not start with '.'"},
		{"GET", "/v1/objects/b/", "", 400, "object name is empty"},
		{"POST", "/v1/objects/b/x", "", 405, "not allowed"},
		{"POST", "/v1/buckets/b2", "{not json", 400, "malformed JSON"},
		{"POST", "/v1/buckets/b2", `{"action":"frobnicate"}`, 400, `unknown bucket action "frobnicate"`},
		{"POST", "/v1/buckets/b2", ``, 400, "missing action"},
		{"POST", "/v1/buckets/bad%20name", `{"action":"create-bck"}`, 400, "invalid character"},
		{"GET", "/v1/buckets/nobucket", "", 404, "does not exist"},
		{"GET", "/v1/buckets/b?pagesize=-3", "", 400, "pagesize"},
		{"DELETE", "/v1/buckets/nobucket", `{"action":"destroy-bck"}`, 404, "does not exist"},
		{"DELETE", "/v1/buckets/b", `{"action":"create-bck"}`, 400, "takes action"},
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	for _, tc := range cases {
		req, _ := http.NewRequest(tc.method, c.ProxyURL+tc.path, strings.NewReader(tc.body))
		resp, err := hc.Do(req)
		if err != nil {
			t.Errorf("%s %s: %v", tc.method, tc.path, err)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var eb api.ErrBody
		_ = json.Unmarshal(b, &eb)
		if resp.StatusCode != tc.status || !strings.Contains(eb.Message, tc.msg) {
			t.Errorf("%s %.60s: %d %s; want %d with %q", tc.method, tc.path, resp.StatusCode, b, tc.status, tc.msg)
		}
	}
	// A target asked directly names a bucket it does not have too.
	for _, path := range []string{"/v1/objects/nobucket/x", "/v1/buckets/nobucket"} {
		resp, err := hc.Get(c.Target(1).URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(b), `bucket \"nobucket\" does not exist`) {
			t.Errorf("target GET %s: %d %s; want 404 naming the bucket", path, resp.StatusCode, b)
		}
	}
}

func TestTargetKilled(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	cl := c.Client
	if err := cl.CreateBucket(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	sm, err := cl.Smap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	for i := 0; i < n; i++ {
		if err := cl.PutObject(ctx, "b", fmt.Sprintf("o%d", i), strings.NewReader(fmt.Sprint(i)), -1); err != nil {
			t.Fatal(err)
		}
	}
	c.KillTarget(2)
	// Wait until the proxy marks t2 down.
	deadline := time.Now().Add(10 * time.Second)
	for {
		sm, err = cl.Smap(ctx)
		if err == nil && !sm.Targets[1].Alive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("proxy did not mark t2 down within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	served, failed := 0, 0
	for i := 0; i < n; i++ {
		start := time.Now()
		b, err := cl.GetObjectBytes(ctx, "b", fmt.Sprintf("o%d", i), api.GetOpts{})
		if time.Since(start) > 2*time.Second {
			t.Fatalf("GET o%d took %v: want fast failure or success", i, time.Since(start))
		}
		if err != nil {
			if api.StatusOf(err) != http.StatusServiceUnavailable || !strings.Contains(err.Error(), "target t2") {
				t.Fatalf("GET o%d: %v; want 503 naming t2", i, err)
			}
			failed++
			continue
		}
		if string(b) != fmt.Sprint(i) {
			t.Fatalf("o%d: got %q", i, b)
		}
		served++
	}
	if failed == 0 || served == 0 || failed > n/2 {
		t.Fatalf("served %d, failed %d of %d; want about a third failed", served, failed, n)
	}
	// cluster down stops every process it started, the dead one included.
	if err := embedded.Down(c.Dir); err != nil {
		t.Fatal(err)
	}
	for _, node := range c.State.Nodes {
		if err := syscall.Kill(node.PID, 0); err == nil {
			if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", node.PID)); !strings.Contains(string(b), ") Z") {
				t.Errorf("node %s (pid %d) still running after down", node.ID, node.PID)
			}
		}
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("cluster dir %s still exists after down", c.Dir)
	}
}
