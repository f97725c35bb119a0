package transformer

import (
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

const secretPath = "/v1/etl/_object/md5-etl/s3cr3t"

func TestDirectPut(t *testing.T) {
	dst, dts := startRecorder(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.WriteHeader(http.StatusOK)
	})
	// AIS_TARGET_URL names the source target; only its path is used.
	_, ts := startSDK(t, Config{TargetURL: "http://127.0.0.1:1" + secretPath, DirectPut: true}, tagT("A"))
	hdr := http.Header{api.HdrNodeURL: {dts.URL + "/dst-bck/dir/a%20b.out?uuid=job-1"}}
	st, rh, body := do(t, http.MethodPut, ts.URL+"/src-bck/dir/a%20b?etl_args=z", strings.NewReader("payload"), hdr)
	wantStatus(t, st, http.StatusNoContent, body)
	want := "A[src-bck/dir/a b|z]payload"
	if rh.Get(api.HdrDirectPutLength) != itoa(int64(len(want))) {
		t.Fatalf("%s = %q, want %d", api.HdrDirectPutLength, rh.Get(api.HdrDirectPutLength), len(want))
	}
	got := dst.got()
	if len(got) != 1 {
		t.Fatalf("destination saw %d requests", len(got))
	}
	g := got[0]
	if g.Method != http.MethodPut || g.URI != secretPath+"/dst-bck/dir/a%20b.out?uuid=job-1" || string(g.Body) != want {
		t.Fatalf("destination saw %s %s %q", g.Method, g.URI, g.Body)
	}
	if g.Header.Get(api.HdrNodeURL) != "" {
		t.Fatalf("direct put carried %s %q", api.HdrNodeURL, g.Header.Get(api.HdrNodeURL))
	}
	// The transform failing before output: its error, and no PUT at all.
	st, _, body = do(t, http.MethodPut, ts.URL+"/src-bck/o?etl_args=fail422", strings.NewReader("x"), hdr)
	wantStatus(t, st, http.StatusUnprocessableEntity, body)
	// ... and failing mid-stream: 500 with its message, not a transient 503.
	st, rh, body = do(t, http.MethodPut, ts.URL+"/src-bck/o?etl_args=midfail", strings.NewReader("x"), hdr)
	wantStatus(t, st, http.StatusInternalServerError, body)
	wantContains(t, body, "failed in the middle")
	if rh.Get(api.HdrETLRetryReason) != "" {
		t.Fatal("a transform error was marked transient")
	}
	if n := len(dst.got()); n > 2 {
		t.Fatalf("destination saw %d requests, want at most 2", n)
	}
}

func TestDirectPutTransient(t *testing.T) {
	_, failing := startRecorder(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		http.Error(w, "disk on fire", http.StatusInternalServerError)
	})
	_, forbidding := startRecorder(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		http.Error(w, "wrong secret", http.StatusForbidden)
	})
	// A destination that is gone: a listener closed right away.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "http://" + ln.Addr().String()
	ln.Close()

	_, ts := startSDK(t, Config{TargetURL: "http://127.0.0.1:1" + secretPath}, tagT("A"))
	for _, dst := range []string{failing.URL, gone} {
		hdr := http.Header{api.HdrNodeURL: {dst + "/bck/o?uuid=j"}}
		st, rh, body := do(t, http.MethodPut, ts.URL+"/bck/o", strings.NewReader("x"), hdr)
		wantStatus(t, st, http.StatusServiceUnavailable, body)
		if rh.Get(api.HdrETLRetryReason) != api.RetryDirectPutTransient {
			t.Fatalf("%s: retry reason %q", dst, rh.Get(api.HdrETLRetryReason))
		}
		wantContains(t, body, "direct put to")
	}
	hdr := http.Header{api.HdrNodeURL: {forbidding.URL + "/bck/o?uuid=j"}}
	st, rh, body := do(t, http.MethodPut, ts.URL+"/bck/o", strings.NewReader("x"), hdr)
	wantStatus(t, st, http.StatusForbidden, body)
	wantContains(t, body, "wrong secret")
	if rh.Get(api.HdrETLRetryReason) != "" {
		t.Fatal("a 403 was marked transient")
	}
	// Malformed header.
	for _, bad := range []string{"a,,b", "not a url", "ftp://x/y"} {
		st, _, body := do(t, http.MethodPut, ts.URL+"/bck/o", strings.NewReader("x"), http.Header{api.HdrNodeURL: {bad}})
		wantStatus(t, st, http.StatusBadRequest, body)
	}
}

func TestPipeline(t *testing.T) {
	dst, dts := startRecorder(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.WriteHeader(http.StatusNoContent)
	})
	cfg := Config{TargetURL: "http://127.0.0.1:1" + secretPath}
	_, c := startSDK(t, cfg, tagT("C"))
	_, b := startSDK(t, cfg, tagT("B"))
	_, a := startSDK(t, cfg, tagT("A"))

	// a -> b: b's answer (200 + bytes) comes back through a.
	st, _, body := do(t, http.MethodPut, a.URL+"/bck/dir/o%201?etl_args=x", strings.NewReader("in"), http.Header{api.HdrNodeURL: {b.URL}})
	wantStatus(t, st, 200, body)
	if body != "B[bck/dir/o 1|]A[bck/dir/o 1|x]in" {
		t.Fatalf("body %q", body)
	}
	// a -> b -> c -> destination (direct put): 204 + length relayed back.
	hops := strings.Join([]string{b.URL, c.URL + "/", dts.URL + "/out/o%201?uuid=j9"}, ",")
	st, rh, body := do(t, http.MethodGet, a.URL+"/bck/o%201?etl_fqn=", nil, http.Header{api.HdrNodeURL: {hops}})
	wantStatus(t, st, http.StatusBadRequest, body) // empty etl_fqn is refused
	st, rh, body = do(t, http.MethodPut, a.URL+"/bck/o%201", strings.NewReader("in"), http.Header{api.HdrNodeURL: {hops}})
	wantStatus(t, st, http.StatusNoContent, body)
	want := "C[bck/o 1|]B[bck/o 1|]A[bck/o 1|]in"
	if rh.Get(api.HdrDirectPutLength) != itoa(int64(len(want))) {
		t.Fatalf("length %q, want %d", rh.Get(api.HdrDirectPutLength), len(want))
	}
	got := dst.got()
	if len(got) != 1 || got[0].URI != secretPath+"/out/o%201?uuid=j9" || string(got[0].Body) != want {
		t.Fatalf("destination saw %+v", got)
	}
	// An error at the second stage comes back with its status.
	st, _, body = do(t, http.MethodPut, a.URL+"/bck/o", strings.NewReader("in"), http.Header{api.HdrNodeURL: {b.URL}})
	wantStatus(t, st, 200, body)
	_, f := startSDK(t, cfg, func(_ ctxT, _ Request, _ rdr, _ wrt) error {
		return &statusError{status: http.StatusTeapot, err: errString("stage two refuses")}
	})
	st, _, body = do(t, http.MethodPut, a.URL+"/bck/o", strings.NewReader("in"), http.Header{api.HdrNodeURL: {f.URL}})
	wantStatus(t, st, http.StatusTeapot, body)
	wantContains(t, body, "stage two refuses")
	// A transient failure at the end of the pipeline stays transient.
	_, failing := startRecorder(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	})
	st, rh, body = do(t, http.MethodPut, a.URL+"/bck/o", strings.NewReader("in"), http.Header{api.HdrNodeURL: {b.URL + "," + failing.URL + "/bck/o"}})
	wantStatus(t, st, http.StatusServiceUnavailable, body)
	if rh.Get(api.HdrETLRetryReason) != api.RetryDirectPutTransient {
		t.Fatalf("retry reason %q", rh.Get(api.HdrETLRetryReason))
	}
}
