package httpconn

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

func TestConn(t *testing.T) {
	var conns atomic.Int64
	target := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/missing"):
			api.WriteErr(w, r, 404, "object %s does not exist", r.URL.Path)
		case strings.HasSuffix(r.URL.Path, "/slow"):
			w.Write([]byte("first"))
			w.(http.Flusher).Flush()
			time.Sleep(800 * time.Millisecond)
		case strings.HasSuffix(r.URL.Path, "/chunked"):
			for i := 0; i < 3; i++ {
				io.WriteString(w, strings.Repeat("x", 5000))
				w.(http.Flusher).Flush()
			}
		default:
			if r.Header.Get(api.HdrAuthorization) != "Bearer tok" {
				api.WriteErr(w, r, 401, "no token")
				return
			}
			io.WriteString(w, r.URL.Path+"?"+r.URL.RawQuery)
		}
	}))
	target.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	target.Start()
	defer target.Close()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	defer proxy.Close()

	c := api.NewClient(proxy.URL)
	c.Token = "tok"
	wc := New(c)
	defer wc.Close()
	ctx := context.Background()
	get := func(obj string, opts api.GetOpts) (string, error) {
		resp, err := wc.GetObject(ctx, "b", obj, opts)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	for i := 0; i < 20; i++ {
		got, err := get("a/b c", api.GetOpts{ETLName: "md5-etl", ETLArgs: "1"})
		if err != nil || got != "/v1/objects/b/a/b c?etl_args=1&etl_name=md5-etl" {
			t.Fatalf("GET: %q %v", got, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections to the target for 20 GETs, want 1 kept alive", n)
	}
	if got, err := get("chunked", api.GetOpts{}); err != nil || len(got) != 15000 {
		t.Errorf("chunked: %d bytes, %v", len(got), err)
	}
	_, err := get("missing", api.GetOpts{})
	if api.StatusOf(err) != 404 || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("404: %v", err)
	}
	// The server drops the kept connections: the next GET retries on a new one.
	target.CloseClientConnections()
	time.Sleep(50 * time.Millisecond)
	if _, err := get("again", api.GetOpts{}); err != nil {
		t.Errorf("after the server closed the connection: %v", err)
	}
	// Cancelling the context unblocks a body read.
	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	resp, err := wc.GetObject(cctx, "b", "slow", api.GetOpts{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !(errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded)) || time.Since(start) > time.Second {
		t.Errorf("cancelled read: %v after %s", err, time.Since(start))
	}
	if got, err := get("after-cancel", api.GetOpts{}); err != nil || !strings.Contains(got, "after-cancel") {
		t.Errorf("after a cancelled request: %q %v", got, err)
	}
}
