package target

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

// FuzzTargetHandlers drives a real target's object and bucket handlers
// (no network, a temporary mountpath) with arbitrary methods, paths,
// queries and bodies: no panic; every error is a 4xx/5xx JSON body with a
// message; nothing is ever written outside the mountpath.
func FuzzTargetHandlers(f *testing.F) {
	seeds := []struct {
		method      uint8
		path, query string
		body        string
	}{
		{0, "b/obj", "", ""},
		{1, "b/dir/a.bin", "", "hello"},
		{1, "b/%2e%2e/%2e%2e/escape", "", "x"},
		{1, "b/a%2F..%2F..%2Fescape", "", "x"},
		{0, "b/obj", "etl_name=none&etl_args=1", ""},
		{1, "b/obj", "object_to=b/x&etl_name=none", "x"},
		{1, "b/obj", "provider=ais&object_to=ais%2F%40%23%2Fb%2Fx&etl_name=none", ""},
		{2, "b/obj", "", ""},
		{3, "b/obj", "", ""},
		{4, "b", "pagesize=2&prefix=dir/", ""},
		{5, "b2", "", `{"action":"create-bck"}`},
		{5, "b", "bck_to=c", `{"action":"etl-bck","value":{"id":"none"}}`},
		{5, "b", "", `{"action":"etl-listrange","value":{"id":"none","tobck":"c","template":"{0..9223372036854775807}"}}`},
		{6, "b2", "", `{"action":"destroy-bck"}`},
		{4, "..", "", ""},
		{1, "b/" + strings.Repeat("x", 300), "", "x"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, []byte(s.body))
	}
	root := f.TempDir()
	mp := filepath.Join(root, "mp")
	tg, err := New(Config{ID: "tf", Dir: root, Mountpaths: []string{mp}, Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		f.Fatal(err)
	}
	if err := tg.store.CreateBucket("b"); err != nil {
		f.Fatal(err)
	}
	h := tg.routes()
	methods := []string{"GET", "PUT", "HEAD", "DELETE", "GET", "POST", "DELETE", "PATCH"}
	f.Fuzz(func(t *testing.T, m uint8, path, query string, body []byte) {
		method := methods[int(m)%len(methods)]
		prefix := api.PathObjects
		if m%len8(methods) >= 4 {
			prefix = api.PathBuckets
		}
		u := &url.URL{Path: prefix + path, RawQuery: query}
		if p, err := url.PathUnescape(path); err == nil {
			u.Path, u.RawPath = prefix+p, prefix+path
		}
		req := &http.Request{Method: method, URL: u, RequestURI: u.RequestURI(), Header: http.Header{},
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Host: "127.0.0.1"}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 400 && method != http.MethodHead {
			var eb api.ErrBody
			if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Message == "" {
				t.Fatalf("%s %s?%s: %d with body %q: want a JSON error with a message", method, u.Path, query, rec.Code, rec.Body.Bytes())
			}
		}
		ents, err := os.ReadDir(root)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.Name() != "mp" {
				t.Fatalf("%s %s?%s wrote %s outside the mountpath", method, u.Path, query, e.Name())
			}
		}
		// Inside the mountpath only directories (buckets, the store's own):
		// an object file directly there escaped its bucket.
		ents, err = os.ReadDir(mp)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if !e.IsDir() {
				t.Fatalf("%s %s?%s wrote %s outside any bucket", method, u.Path, query, e.Name())
			}
		}
	})
}

func len8[T any](s []T) uint8 { return uint8(len(s)) }
