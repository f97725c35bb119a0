package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// TestPutRedirectLargeBody: a PUT of a body larger than what a Go server
// drains by itself (256 KiB) reaches the proxy, which redirects it
// without reading the body. A client that sends the body at once (as
// AIStore clients do) gets the 307 on a connection that stays open (the
// proxy drained the body), and the project's client asks first
// (Expect: 100-continue) so that no body byte goes to the proxy; 64
// concurrent PUTs of 1-4 MiB through the proxy all succeed, each object
// byte-exact.
func TestPutRedirectLargeBody(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 2})
	ctx := context.Background()
	cl := c.Client
	if err := cl.CreateBucket(ctx, "big"); err != nil {
		t.Fatal(err)
	}

	// A raw client: headers and the whole 1 MiB body, then the answer;
	// then a second request on the same connection.
	u, err := url.Parse(c.ProxyURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := bytes.Repeat([]byte("x"), 1<<20)
	br := bufio.NewReader(conn)
	for i := range 2 {
		fmt.Fprintf(conn, "PUT /v1/objects/big/raw-%d HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n", i, u.Host, len(body))
		if _, err := conn.Write(body); err != nil {
			t.Fatalf("request %d: write body: %v", i, err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: read answer: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusTemporaryRedirect || resp.Close {
			t.Fatalf("request %d: %s, close %v: want 307 on a connection kept open", i, resp.Status, resp.Close)
		}
	}

	// The project's client: 32 PUTs of 1..2.5 MiB at once, 16 in parallel.
	obj := func(i int) []byte {
		return bytes.Repeat([]byte(fmt.Sprintf("%04d", i)), (1<<20+i*48<<10)/4)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	sem := make(chan struct{}, 16)
	for i := range 32 {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			b := obj(i)
			if err := cl.PutObject(ctx, "big", fmt.Sprintf("o-%02d", i), bytes.NewReader(b), int64(len(b))); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := range 32 {
		got, err := cl.GetObjectBytes(ctx, "big", fmt.Sprintf("o-%02d", i), api.GetOpts{})
		if err != nil || !bytes.Equal(got, obj(i)) {
			t.Fatalf("o-%02d: %d bytes, %v", i, len(got), err)
		}
	}
}
