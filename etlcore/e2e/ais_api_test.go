package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/tinylib/msgp/msgp"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// getJSON GETs u with body and decodes a 200 answer into v.
func getJSON(t *testing.T, u, body string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, strings.NewReader(body))
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: decode: %v", u, err)
	}
}

// TestAisClusterMapAndBuckets: AIStore's cluster map (GET
// /v1/daemon?what=smap), list-buckets (GET /v1/buckets) and HEAD bucket
// answer in AIStore's shapes; a target marked down stays in the map and is
// named in ext.down; an unknown what= is a 400 naming it.
func TestAisClusterMapAndBuckets(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	for _, b := range []string{"src", "dst"} {
		if err := c.Client.CreateBucket(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	var m api.AisSmap
	getJSON(t, c.ProxyURL+"/v1/daemon?what=smap", "", &m)
	if len(m.Tmap) != 3 || m.Primary == nil || m.Primary.DaeID != "p1" || m.Primary.PubNet.URL != c.ProxyURL || m.UUID == "" || m.Version == 0 {
		t.Fatalf("cluster map: %+v", m)
	}
	for _, id := range []string{"t1", "t2", "t3"} {
		n := m.Tmap[id]
		if n == nil || n.DaeType != "target" || n.PubNet.URL != c.Target(parseIdx(id)).URL || n.PubNet.Port == "" {
			t.Errorf("target %s in the map: %+v", id, n)
		}
	}
	var again api.AisSmap
	getJSON(t, c.ProxyURL+"/v1/cluster?what=smap", "", &again)
	if again.UUID != m.UUID {
		t.Errorf("cluster uuid %q then %q", m.UUID, again.UUID)
	}

	var bcks []api.AisBck
	getJSON(t, c.ProxyURL+"/v1/buckets?provider=ais", `{"action":"list","name":""}`, &bcks)
	if len(bcks) != 2 || bcks[0].Name != "dst" || bcks[1].Name != "src" || bcks[0].Provider != "ais" {
		t.Errorf("list buckets: %+v", bcks)
	}
	getJSON(t, c.ProxyURL+"/v1/buckets?provider=aws", `{"action":"list","name":""}`, &bcks)
	if len(bcks) != 0 {
		t.Errorf("list aws buckets: %+v, want none", bcks)
	}

	resp, err := http.Head(c.ProxyURL + "/v1/buckets/src?provider=ais")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var props api.AisBprops
	if err := json.Unmarshal([]byte(resp.Header.Get(api.HdrBucketProps)), &props); err != nil || props.Provider != "ais" || props.Checksum.Type != "xxhash2" {
		t.Errorf("HEAD bucket: status %d, %s %q: %+v %v", resp.StatusCode, api.HdrBucketProps, resp.Header.Get(api.HdrBucketProps), props, err)
	}

	for _, u := range []string{"/v1/cluster?what=nonsense", "/v1/daemon?what=nonsense"} {
		code, msg := doReq(t, http.MethodGet, c.ProxyURL+u, "", "")
		if code != http.StatusBadRequest || !strings.Contains(msg, `"nonsense"`) {
			t.Errorf("GET %s: %d %q, want 400 naming what=", u, code, msg)
		}
	}

	// Bad input in AIStore's shapes: a 400 that names the field.
	for _, tc := range []struct{ method, path, body, want string }{
		{http.MethodPost, "/v1/buckets/src", `{"action":"etl-listrange","value":{"id":"x","tobck":{"name":"dst","provider":"aws"},"objnames":["a"]}}`, "tobck"},
		{http.MethodPut, "/v1/objects/src/a?etl_name=x&object_to=" + url.QueryEscape("aws/@#/dst/a"), "", "object_to"},
		{http.MethodPut, "/v1/cluster", `{"action":"stop","value":{"id":"job-nonesuch"}}`, "job-nonesuch"},
	} {
		code, msg := doReq(t, tc.method, c.ProxyURL+tc.path, "", tc.body)
		if code < 400 || code >= 500 || !strings.Contains(msg, tc.want) {
			t.Errorf("%s %s: %d %q, want a 4xx naming %s", tc.method, tc.path, code, msg, tc.want)
		}
	}

	c.KillTarget(2)
	deadline := time.Now().Add(30 * time.Second)
	for {
		getJSON(t, c.ProxyURL+"/v1/daemon?what=smap", "", &m)
		if m.Ext != nil && len(m.Ext.Down) == 1 && m.Ext.Down[0] == "t2" && len(m.Tmap) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("t2 killed, map still says %+v", m.Ext)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if s := m.FromAis(); s.Targets[1].Alive || !s.Targets[0].Alive {
		t.Errorf("map read back: %+v", s.Targets)
	}
}

func parseIdx(id string) int { return int(id[1] - '0') }

// TestAisListObjects: a listing answers AIStore's cmn.LsoRes, in msgpack
// when the client asks for it first (as AIStore's Go client does) and in
// JSON with the size as a string otherwise, with paging.
func TestAisListObjects(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 2})
	ctx := context.Background()
	if err := c.Client.CreateBucket(ctx, "src"); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := c.Client.PutObject(ctx, "src", fmt.Sprintf("d/o%d", i), strings.NewReader(strings.Repeat("x", i+1)), int64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	list := func(accept, body string) (*api.ListResult, string) {
		req, _ := http.NewRequest(http.MethodGet, c.ProxyURL+"/v1/buckets/src?provider=ais", strings.NewReader(body))
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("list: %d %s", resp.StatusCode, b)
		}
		var lr api.ListResult
		if resp.Header.Get("Content-Type") == api.ContentMsgPack {
			if err := lr.DecodeMsg(msgp.NewReader(bytes.NewReader(b))); err != nil {
				t.Fatalf("msgpack listing: %v", err)
			}
			return &lr, "msgpack"
		}
		if err := json.Unmarshal(b, &lr); err != nil {
			t.Fatalf("JSON listing %s: %v", b, err)
		}
		if !strings.Contains(string(b), `"size":"`) {
			t.Errorf("JSON listing %s: size is not a string", b)
		}
		return &lr, "json"
	}
	// HEAD object: AIStore's attributes.
	resp, err := http.Head(c.ProxyURL + "/v1/objects/src/d/o2?provider=ais")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	at, err := strconv.ParseInt(resp.Header.Get(api.HdrObjAtime), 10, 64)
	if resp.StatusCode != http.StatusOK || resp.Header.Get(api.HdrObjVersion) != "1" || err != nil || time.Since(time.Unix(0, at)) > time.Hour ||
		resp.Header.Get(api.HdrChecksumType) != "xxhash2" || resp.Header.Get(api.HdrChecksumValue) != fmt.Sprintf("%016x", xxhash.Sum64String("xxx")) {
		t.Errorf("HEAD object: %d %v", resp.StatusCode, resp.Header)
	}

	page := `{"action":"list","value":{"props":"name,size,cached","prefix":"d/","pagesize":3,"continuation_token":%q}}`
	for _, accept := range []string{api.ContentMsgPack, ""} {
		var names []string
		var sizes int64
		token, pages := "", 0
		for {
			lr, kind := list(accept, fmt.Sprintf(page, token))
			if want := map[string]string{api.ContentMsgPack: "msgpack", "": "json"}[accept]; kind != want {
				t.Fatalf("Accept %q: answered %s", accept, kind)
			}
			for _, e := range lr.Entries {
				names = append(names, e.Name)
				sizes += e.Size
				if e.Flags&api.EntryIsCached == 0 {
					t.Errorf("%s: not flagged as present", e.Name)
				}
			}
			pages++
			if token = lr.ContinuationToken; token == "" {
				break
			}
		}
		if len(names) != 5 || sizes != 15 || pages != 2 || names[0] != "d/o0" || names[4] != "d/o4" {
			t.Errorf("Accept %q: %d pages, names %v, total size %d", accept, pages, names, sizes)
		}
	}
}
