package netcount

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestCountsByClass: a counted server classifies each connection by its
// first request and counts its bytes both ways; a counted dialer counts
// the client's side.
func TestCountsByClass(t *testing.T) {
	var srvC, cliC Counter
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("x", 10000)
	srv := &http.Server{
		Handler: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			_, _ = io.WriteString(w, body)
		}), Classify("/v1/etl/_object/")),
		ConnContext: ConnContext,
	}
	go srv.Serve(srvC.Listen(ln))
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	for _, tc := range []struct {
		cl           Class
		method, path string
		hdr          string
	}{
		{Client, http.MethodPut, "/v1/objects/b/o", ""},
		{Intra, http.MethodPut, "/v1/objects/b/o", HdrPeer},
		{Transformer, http.MethodGet, "/v1/etl/_object/e/s/o", ""},
		{Intra, http.MethodPut, "/v1/etl/_object/e/s/o", ""},
		{Monitor, http.MethodGet, "/metrics", HdrMonitor},
	} {
		tr := &http.Transport{DialContext: cliC.DialContext(tc.cl, nil)}
		srx0, stx0 := srvC.Bytes(tc.cl)
		crx0, ctx0 := cliC.Bytes(tc.cl)
		req, _ := http.NewRequest(tc.method, base+tc.path, strings.NewReader(strings.Repeat("y", 5000)))
		if tc.hdr != "" {
			req.Header.Set(tc.hdr, "n1")
		}
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		tr.CloseIdleConnections()
		crx, ctx := cliC.Bytes(tc.cl)
		// The server counts a write after it returns: wait until its
		// counts reach what the client saw.
		var srx, stx int64
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if srx, stx = srvC.Bytes(tc.cl); srx-srx0 == ctx-ctx0 && stx-stx0 == crx-crx0 {
				break
			}
		}
		if srx-srx0 < 5000 || stx-stx0 < 10000 || ctx-ctx0 < 5000 || crx-crx0 < 10000 {
			t.Errorf("%s %s %s: server rx %d tx %d, client rx %d tx %d", tc.cl, tc.method, tc.path, srx-srx0, stx-stx0, crx-crx0, ctx-ctx0)
		}
		if ctx-ctx0 != srx-srx0 || crx-crx0 != stx-stx0 {
			t.Errorf("%s: client sent %d received %d, server received %d sent %d", tc.cl, ctx-ctx0, crx-crx0, srx-srx0, stx-stx0)
		}
	}
}
