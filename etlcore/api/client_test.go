package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestClientAsksBeforeLargeBody: a PUT to the proxy of a body over
// ExpectContinueMin carries Expect: 100-continue, a smaller one does not;
// both follow the redirect and arrive whole.
func TestClientAsksBeforeLargeBody(t *testing.T) {
	var mu sync.Mutex
	var expect, keys []string
	var sizes []int64
	tgt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		sizes = append(sizes, n)
		mu.Unlock()
	}))
	defer tgt.Close()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		expect = append(expect, r.Header.Get("Expect"))
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		mu.Unlock()
		http.Redirect(w, r, tgt.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	defer proxy.Close()
	cl := NewClient(proxy.URL)
	for _, size := range []int{ExpectContinueMin, ExpectContinueMin + 1} {
		b := bytes.Repeat([]byte("y"), size)
		if err := cl.PutObject(context.Background(), "b", "o", bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(expect, ","); got != ",100-continue" {
		t.Errorf("Expect at the proxy: %q, want none for %d bytes and 100-continue above", got, ExpectContinueMin)
	}
	// A body that can be sent again makes the PUT retryable by net/http
	// when a kept-alive connection was closed under it.
	if len(keys) != 2 || keys[0] != "b%2Fo" || keys[1] != "b%2Fo" {
		t.Errorf("Idempotency-Key at the proxy: %q, want b%%2Fo on both", keys)
	}
	if len(sizes) != 2 || sizes[0] != ExpectContinueMin || sizes[1] != ExpectContinueMin+1 {
		t.Errorf("the target received %v bytes, want %d and %d", sizes, ExpectContinueMin, ExpectContinueMin+1)
	}
}
