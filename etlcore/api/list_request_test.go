package api

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"testing"
)

// listRequest builds a GET on a bucket with a raw query and body, as the
// server would hand it to the handler (no URL validation on the way).
func listRequest(query string, body []byte) *http.Request {
	return &http.Request{
		Method:        http.MethodGet,
		URL:           &url.URL{Path: PathBuckets + "b", RawQuery: query},
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
		if v := q.Get(QparamPrefix); v != "" && msg.Prefix != v {
			t.Fatalf("query prefix %q ignored: %q", v, msg.Prefix)
		}
	})
}
