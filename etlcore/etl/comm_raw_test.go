package etl

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// TestRawPool: bodyless hpush requests go over the communicator's own
// kept-alive connections: one connection for a run of requests, results of
// known length (relayed with WriteTo) and chunked ones (read) come whole, a
// connection the transformer closed while idle is replaced without failing
// the request, and one whose result was abandoned is not reused.
func TestRawPool(t *testing.T) {
	fixed := bytes.Repeat([]byte("0123456789"), 300<<10)
	var conns atomic.Int64
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("etl_args") == "empty" {
			w.WriteHeader(http.StatusNoContent) // delivered by direct put: no body
			return
		}
		if r.URL.Query().Get("etl_args") == "chunked" {
			for i := 0; i < 10; i++ {
				_, _ = w.Write(fixed[:len(fixed)/10])
				w.(http.Flusher).Flush()
			}
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(fixed)))
		_, _ = w.Write(fixed)
	}))
	ts.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	ts.Start()
	t.Cleanup(ts.Close)
	c := newComm(t, "hpush://", ts.URL, CommOpts{ObjTimeout: 20 * time.Second})
	do := func(args string, relay bool) {
		t.Helper()
		res, err := c.Do(context.Background(), &ObjRequest{Bck: "b", ObjName: "o", FQN: "/nonexistent/o", Size: -1, Args: args})
		if err != nil {
			t.Fatalf("%s: %v", args, err)
		}
		var got bytes.Buffer
		if relay {
			_, err = res.Body.(io.WriterTo).WriteTo(&got)
		} else {
			_, err = io.Copy(&got, struct{ io.Reader }{res.Body})
		}
		res.Body.Close()
		if err != nil || !bytes.Equal(got.Bytes(), fixed) {
			t.Fatalf("%s (relay %v): %d bytes, identical %v, %v", args, relay, got.Len(), bytes.Equal(got.Bytes(), fixed), err)
		}
	}
	for i := 0; i < 6; i++ {
		do([]string{"fixed", "chunked"}[i%2], i%3 == 0)
		res, err := c.Do(context.Background(), &ObjRequest{Bck: "b", ObjName: "o", FQN: "/nonexistent/o", Size: -1, Args: "empty"})
		if err != nil || !res.DirectPut {
			t.Fatalf("empty: %+v, %v", res, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 12 sequential requests, want 1 kept alive", n)
	}
	ts.CloseClientConnections() // the transformer drops the idle connection
	do("fixed", true)
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections after the idle one was dropped, want 2", n)
	}
	res, err := c.Do(context.Background(), &ObjRequest{Bck: "b", ObjName: "o", FQN: "/nonexistent/o", Size: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(res.Body, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	res.Body.Close() // abandoned: the rest is never read
	do("fixed", false)
	if n := conns.Load(); n != 3 {
		t.Fatalf("%d connections after an abandoned result, want 3 (it must not be reused)", n)
	}
}
