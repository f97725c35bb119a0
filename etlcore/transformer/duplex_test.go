package transformer

import (
	"bytes"
	"io"
	"math/rand"
	"net/http"
	"net/http/httptrace"
	"testing"
)

// TestHpushFullDuplex: objects around the server's 256 KiB post-handler
// read limit stream through hpush echo byte-identical, on one reused
// keep-alive connection, directly and through a two-stage pipeline.
func TestHpushFullDuplex(t *testing.T) {
	_, b := startSDK(t, Config{}, echoT)
	_, a := startSDK(t, Config{}, echoT)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	t.Cleanup(client.CloseIdleConnections)
	for _, pipeline := range []bool{false, true} {
		reused := 0
		sizes := []int{40 << 10, 100 << 10, 300 << 10, 1 << 20, 3<<20 + 17}
		for i, size := range sizes {
			in := make([]byte, size)
			rand.New(rand.NewSource(int64(size))).Read(in)
			req, _ := http.NewRequest(http.MethodPut, a.URL+"/b/o", bytes.NewReader(in))
			if pipeline {
				req.Header.Set("Ais-Node-Url", b.URL)
			}
			trace := &httptrace.ClientTrace{GotConn: func(ci httptrace.GotConnInfo) {
				if ci.Reused {
					reused++
				}
			}}
			req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("pipeline=%v %d B: %v", pipeline, size, err)
			}
			out, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(out, in) {
				t.Fatalf("pipeline=%v %d B: status %d, %d bytes back (identical %v), %v", pipeline, size, resp.StatusCode, len(out), bytes.Equal(out, in), err)
			}
			if resp.Close || resp.Header.Get("Connection") == "close" {
				t.Fatalf("pipeline=%v %d B (request %d): the server closes the connection", pipeline, size, i)
			}
		}
		if want := len(sizes) - 1; reused < want {
			t.Fatalf("pipeline=%v: %d of %d requests reused the connection", pipeline, reused, want)
		}
	}
}
