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

// listRequest builds a GET on a bucket with a raw query and body, as the
// server would hand it to the handler (no URL validation on the way).
func listRequest(query string, body []byte) *http.Request {
	return &http.Request{
		Method:        http.MethodGet,
		URL:           &url.URL{Path: api.PathBuckets + "b", RawQuery: query},
		Header:        http.Header{},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
	}
}

// FuzzParseListRequest: any query string and body give a listing request
// with a page size in 1..MaxPageSize, or an error with a message; never a
// panic.
func FuzzParseListRequest(f *testing.F) {
	seeds := []struct {
		q    string
		body string
	}{
		{"", ""},
		{"prefix=dir/&pagesize=100", ""},
		{"pagesize=-3", ""},
		{"pagesize=99999999999999999999", ""},
		{"continuation_token=obj-0009&prefix=%2e%2e", ""},
		{"%zz=1;&&=", ""},
		{"", `{"action":"list","value":{"prefix":"a/","pagesize":5}}`},
		{"", `{"action":"list","value":{"pagesize":-1}}`},
		{"", `{"action":"destroy-bck"}`},
		{"", `{"action":"list","value":"not an object"}`},
		{"", `{not json`},
		{"pagesize=7", `{"action":"list","value":{"pagesize":100000}}`},
		{"", `null`},
	}
	for _, s := range seeds {
		f.Add(s.q, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, query string, body []byte) {
		msg, err := ParseListRequest(listRequest(query, body))
		if err != nil {
			if msg != nil || err.Error() == "" {
				t.Fatalf("error %v with msg %+v", err, msg)
			}
			return
		}
		if msg.PageSize < 1 || msg.PageSize > MaxPageSize {
			t.Fatalf("query %q body %q: page size %d", query, body, msg.PageSize)
		}
		q, _ := url.ParseQuery(query)
		if v := q.Get(api.QparamPrefix); v != "" && msg.Prefix != v {
			t.Fatalf("query prefix %q ignored: %q", v, msg.Prefix)
		}
	})
}

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
