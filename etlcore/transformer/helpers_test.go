package transformer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// tagT returns a transform that answers tag + "[" + path + "|" + args + "]" + input,
// and obeys special args: fail422 (error before output), midfail (error
// after some output), sleep (waits for ctx), panic.
func tagT(tag string) Transform {
	return func(ctx context.Context, req Request, r io.Reader, w io.Writer) error {
		switch req.Args {
		case "fail422":
			return &statusError{status: http.StatusUnprocessableEntity, err: errors.New("cannot digest this input")}
		case "sleep":
			<-ctx.Done()
			return fmt.Errorf("sleeping: %w", ctx.Err())
		case "panic":
			panic("boom")
		}
		if _, err := fmt.Fprintf(w, "%s[%s|%s]", tag, req.Path, req.Args); err != nil {
			return err
		}
		if req.Args == "midfail" {
			if _, err := w.Write(bytes.Repeat([]byte("x"), 100<<10)); err != nil {
				return err
			}
			return errors.New("failed in the middle")
		}
		_, err := io.Copy(w, r)
		return err
	}
}

// echoT streams its input back.
func echoT(_ context.Context, _ Request, r io.Reader, w io.Writer) error {
	_, err := io.Copy(w, r)
	return err
}

// startSDK serves fn on a loopback httptest server.
func startSDK(t *testing.T, cfg Config, fn Transform) (*Server, *httptest.Server) {
	t.Helper()
	srv := NewServer(cfg, fn)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	return srv, ts
}

// recorder is a fake target: it records every request and answers with answer.
type recorder struct {
	mu     sync.Mutex
	reqs   []recorded
	answer func(w http.ResponseWriter, r *http.Request, body []byte)
}

type recorded struct {
	Method, URI string
	Header      http.Header
	Body        []byte
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, recorded{r.Method, r.RequestURI, r.Header.Clone(), body})
	rc.mu.Unlock()
	if rc.answer != nil {
		rc.answer(w, r, body)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (rc *recorder) got() []recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]recorded(nil), rc.reqs...)
}

func startRecorder(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, body []byte)) (*recorder, *httptest.Server) {
	t.Helper()
	rc := &recorder{answer: answer}
	ts := httptest.NewServer(rc)
	t.Cleanup(ts.Close)
	return rc, ts
}

// do sends a request and returns status, headers and body.
func do(t *testing.T, method, url string, body io.Reader, hdr http.Header) (int, http.Header, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func wantStatus(t *testing.T, got, want int, body string) {
	t.Helper()
	if got != want {
		t.Fatalf("status %d, want %d (body %q)", got, want, body)
	}
}

func wantContains(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Fatalf("%q does not contain %q", s, sub)
		}
	}
}

type (
	ctxT = context.Context
	rdr  = io.Reader
	wrt  = io.Writer
)

type errString string

func (e errString) Error() string { return string(e) }

func newBenchServer(b *testing.B, srv *Server) string {
	ts := httptest.NewServer(srv)
	b.Cleanup(func() { srv.Close(); ts.Close() })
	return ts.URL
}
