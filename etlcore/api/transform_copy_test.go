package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestTransformCopyRequest: a transform-copy is the request AIStore's
// api.TransformObject builds (copyOrTransformObject): PUT on the source
// object, no body, the source bucket's provider=ais, the destination as
// AIStore's object uname (Bck.AddUnameToQuery: "ais/@#/DST/OBJ"),
// etl_name and etl_args, encoded by url.Values as its client does. The
// wanted queries are written out by hand from AIStore's source, not
// rebuilt with this package's helpers.
func TestTransformCopyRequest(t *testing.T) {
	type seen struct {
		method, path, rawPath, query, ctype string
		body                                []byte
	}
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, seen{r.Method, r.URL.Path, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Content-Type"), b})
	}))
	defer srv.Close()
	cl := NewClient(srv.URL)
	ctx := context.Background()
	if err := cl.TransformCopy(ctx, "src", "a/b c.txt", "dst", "out/b c.txt", "md5-etl", "x=1&y"); err != nil {
		t.Fatal(err)
	}
	if err := cl.TransformCopy(ctx, "src", "obj-1", "dst", "", "md5-etl", ""); err != nil {
		t.Fatal(err)
	}
	want := []seen{
		{http.MethodPut, "/v1/objects/src/a/b c.txt", "/v1/objects/src/a/b%20c.txt",
			"etl_args=x%3D1%26y&etl_name=md5-etl&object_to=ais%2F%40%23%2Fdst%2Fout%2Fb+c.txt&provider=ais", "", nil},
		// No destination name: the source's, as AIStore's client defaults it.
		{http.MethodPut, "/v1/objects/src/obj-1", "/v1/objects/src/obj-1",
			"etl_name=md5-etl&object_to=ais%2F%40%23%2Fdst%2Fobj-1&provider=ais", "", nil},
	}
	if len(got) != len(want) {
		t.Fatalf("%d requests, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.method != w.method || g.path != w.path || g.rawPath != w.rawPath || g.query != w.query || g.ctype != "" || len(g.body) != 0 {
			t.Errorf("request %d:\n got %s %s (%s) ?%s type %q body %q\nwant %s %s (%s) ?%s, no type, no body",
				i, g.method, g.path, g.rawPath, g.query, g.ctype, g.body, w.method, w.path, w.rawPath, w.query)
		}
	}
	// Without an ETL the same query is AIStore's plain object copy.
	if q := TransformCopyQuery("dst", "o", "", "").Encode(); q != "object_to=ais%2F%40%23%2Fdst%2Fo&provider=ais" {
		t.Errorf("plain copy query %s", q)
	}
}
