package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// TestAisCLICopy copies with AIStore's own ais CLI, with no ETL, against an
// etlcore cluster: one object under its name and under a new one (ais cp
// ais://src/o ais://dst[/o2]), a bucket (copy-bck, --wait), a template, a
// list and a prefix (copy-listrange), a dry run; every destination is
// compared byte for byte with the source, which stays as it was. Errors:
// a missing source object, a missing destination bucket, a bad object_to.
func TestAisCLICopy(t *testing.T) {
	aisBin(t, "ais")
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	a := newAisCLI(t, c.ProxyURL)
	ctx := context.Background()
	_, objs := aisSessionFiles(t)
	// One object large enough to be streamed between targets in many reads.
	objs["big.bin"] = bytes.Repeat([]byte("0123456789abcdef"), 3<<16)
	a.ok("bucket", "create", "ais://src")
	for name, b := range objs {
		if err := c.Client.PutObject(ctx, "src", name, bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
	}
	// want checks that bucket bck holds exactly want (by name, byte for byte).
	want := func(bck string, want map[string][]byte) {
		t.Helper()
		ents, err := c.Client.ListAll(ctx, bck, "")
		if err != nil {
			t.Fatalf("list %s: %v", bck, err)
		}
		var got []string
		for _, e := range ents {
			got = append(got, e.Name)
		}
		if names := slices.Sorted(maps.Keys(want)); strings.Join(got, ",") != strings.Join(names, ",") {
			t.Fatalf("bucket %s holds %v, want %v", bck, got, names)
		}
		for name, w := range want {
			b, err := c.Client.GetObjectBytes(ctx, bck, name, api.GetOpts{})
			if err != nil || !bytes.Equal(b, w) {
				t.Fatalf("%s/%s: %d bytes (%v), want the %d of the source", bck, name, len(b), err, len(w))
			}
		}
	}
	pick := func(names ...string) map[string][]byte {
		out := map[string][]byte{}
		for _, n := range names {
			out[n] = objs[n]
		}
		return out
	}

	a.ok("bucket", "create", "ais://dst")
	a.ok("cp", "ais://src/one.txt", "ais://dst")
	a.ok("cp", "ais://src/d/a4.txt", "ais://dst/four.txt")
	want("dst", map[string][]byte{"one.txt": objs["one.txt"], "four.txt": objs["d/a4.txt"]})

	a.ok("cp", "ais://src", "ais://dst2", "--wait")
	want("dst2", objs)
	a.okContains([]string{"show", "job", api.ActCopyBck, "--all"}, api.ActCopyBck)

	a.ok("cp", "ais://src", "ais://dst3", "--template", "d/a{1..3}.txt", "--num-workers", "2", "--wait")
	want("dst3", pick("d/a1.txt", "d/a2.txt", "d/a3.txt"))
	a.ok("cp", "ais://src", "ais://dst4", "--list", "d/a2.txt,one.txt", "--cont-on-err", "--wait")
	want("dst4", pick("d/a2.txt", "one.txt"))
	a.ok("cp", "ais://src", "ais://dst5", "--prefix", "d/", "--prepend", "p/", "--wait")
	d := map[string][]byte{}
	for n, b := range objs {
		if strings.HasPrefix(n, "d/") {
			d["p/"+n] = b
		}
	}
	want("dst5", d)
	a.ok("cp", "ais://src/d/", "ais://dst6", "--wait") // the prefix in the source
	want("dst6", pick("d/a1.txt", "d/a2.txt", "d/a3.txt", "d/a4.txt", "d/a5.txt", "d/a6.txt"))
	a.ok("cp", "ais://src/big.bin", "ais://dst/big2.bin")
	a.okContains([]string{"show", "job", api.ActCopyListRange, "--all"}, api.ActCopyListRange, "cp ais://src=>ais://dst4")
	// A dry run visits the source and writes nothing: the destination is
	// not created (as aisnode does).
	a.ok("cp", "ais://src", "ais://dry", "--dry-run", "--wait")
	if ok, err := c.Client.HeadBucket(ctx, "dry"); err != nil || ok {
		t.Fatalf("after a dry-run copy: bucket dry exists=%v, %v", ok, err)
	}
	want("src", objs)

	// Errors.
	if _, errs, code := a.run("cp", "ais://src/nosuch.txt", "ais://dst"); code == 0 || !strings.Contains(errs, "does not exist") {
		t.Fatalf("ais cp of a missing object: exit %d, %q", code, errs)
	}
	// send sends a request as it is and returns the status and the
	// error message of the answer.
	send := func(req *http.Request) (int, string) {
		t.Helper()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var eb api.ErrBody
		_ = json.Unmarshal(b, &eb)
		return resp.StatusCode, eb.Message
	}
	put := func(obj, to string) (int, string) {
		t.Helper()
		u := c.ProxyURL + api.ObjPath("src", obj) + "?" + url.Values{api.QparamObjectTo: {to}}.Encode()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPut, u, nil)
		return send(req)
	}
	for _, tc := range []struct {
		obj, to string
		code    int
		msg     string
	}{
		{"nosuch.txt", "ais/@#/dst/x", http.StatusNotFound, "does not exist"},
		{"one.txt", "ais/@#/nodst/x", http.StatusNotFound, `"nodst" does not exist`},
		{"one.txt", "ais/@#/dst", http.StatusBadRequest, "object name is empty"},
		{"one.txt", "aws/@#/dst/x", http.StatusBadRequest, `provider "aws"`},
	} {
		if code, msg := put(tc.obj, tc.to); code != tc.code || !strings.Contains(msg, tc.msg) {
			t.Errorf("PUT src/%s?object_to=%s: %d %q, want %d naming %q", tc.obj, tc.to, code, msg, tc.code, tc.msg)
		}
	}
	// Bucket actions the CLI checks before it sends them, sent as they are.
	post := func(bck, to, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.ProxyURL+api.PathBuckets+bck+"?"+url.Values{api.QparamBckTo: {to}}.Encode(), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return send(req)
	}
	for _, tc := range []struct {
		bck, to, body string
		code          int
		msg           string
	}{
		{"src", "ais/@#/src/", `{"action":"copy-bck","value":{}}`, http.StatusBadRequest, "onto itself"},
		{"src", "", `{"action":"copy-bck","value":{}}`, http.StatusBadRequest, "missing destination"},
		{"nosrc", "ais/@#/x/", `{"action":"copy-bck","value":{}}`, http.StatusNotFound, `"nosrc" does not exist`},
		{"src", "", `{"action":"copy-listrange","value":{"tobck":{"name":"x","provider":"ais"}}}`, http.StatusBadRequest, "objnames and template"},
		{"src", "", `{"action":"copy-listrange","value":{"tobck":{"name":"x","provider":"ais"},"template":"a{1..}"}}`, http.StatusBadRequest, "a{1..}"},
		{"src", "ais/@#/x/", `{"action":"copy-bck","value":{"num-workers":-2}}`, http.StatusBadRequest, "num-workers -2"},
	} {
		if code, msg := post(tc.bck, tc.to, tc.body); code != tc.code || !strings.Contains(msg, tc.msg) {
			t.Errorf("POST %s?bck_to=%s %s: %d %q, want %d naming %q", tc.bck, tc.to, tc.body, code, msg, tc.code, tc.msg)
		}
	}
	if ok, err := c.Client.HeadBucket(ctx, "x"); err != nil || ok {
		t.Fatalf("after refused copies: bucket x exists=%v, %v", ok, err)
	}
	want("dst", map[string][]byte{"one.txt": objs["one.txt"], "four.txt": objs["d/a4.txt"], "big2.bin": objs["big.bin"]})
}
