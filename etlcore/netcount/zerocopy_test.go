package netcount

import (
	"bytes"
	"context"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestZeroCopyCounted: a counted server connection still takes a file
// (sendfile) and a counted connection's bytes (splice) through its
// ReadFrom, and every byte is counted, on both connections of a relay.
func TestZeroCopyCounted(t *testing.T) {
	const size = 3<<20 + 11
	data := make([]byte, size)
	rand.New(rand.NewSource(1)).Read(data)
	fqn := filepath.Join(t.TempDir(), "obj")
	if err := os.WriteFile(fqn, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// The backend writes the object raw on every connection it accepts.
	back, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	go func() {
		for {
			c, err := back.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = c.Write(data); c.Close() }()
		}
	}()
	var srvC Counter
	dial := srvC.DialContext(Transformer, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(size))
			if r.URL.Path == "/file" {
				f, err := os.Open(fqn)
				if err != nil {
					t.Error(err)
					return
				}
				defer f.Close()
				_, _ = io.Copy(w, f)
				return
			}
			c, err := dial(r.Context(), "tcp", back.Addr().String())
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			lr := &io.LimitedReader{R: c, N: size}
			_, _ = io.Copy(w, lr)
			if lr.N != 0 {
				t.Errorf("relay: %d bytes left in the limited reader", lr.N)
			}
		}), Classify("/v1/etl/_object/")),
		ConnContext: ConnContext,
	}
	go srv.Serve(srvC.Listen(ln))
	defer srv.Close()
	for _, path := range []string{"/file", "/relay"} {
		_, tx0 := srvC.Bytes(Client)
		rx0, _ := srvC.Bytes(Transformer)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+ln.Addr().String()+path, nil)
		resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s: %d bytes back (identical %v), %v", path, len(got), bytes.Equal(got, data), err)
		}
		var tx, rx int64
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			_, tx = srvC.Bytes(Client)
			rx, _ = srvC.Bytes(Transformer)
			if tx-tx0 >= size && (path == "/file" || rx-rx0 >= size) {
				break
			}
		}
		if tx-tx0 < size {
			t.Errorf("%s: %d bytes counted sent to the client, want at least %d", path, tx-tx0, size)
		}
		if path == "/relay" && rx-rx0 != size {
			t.Errorf("relay: %d bytes counted received from the backend, want %d", rx-rx0, size)
		}
	}
}
