package transformer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/etlbench/etlbench/etlcore/api"
)

// newTestServer serves srv on a loopback httptest server.
func newTestServer(t *testing.T, srv *Server) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	return ts
}

// echoSizedT answers with its input, whatever its length; args pick the
// failures: fail422 (an error), panic, fallback (the Transform does it),
// trickle (a reply that keeps its length promise only very slowly).
func echoSizedT(ctx context.Context, req Request, src io.Reader, size int64) (io.Reader, int64, error) {
	switch req.Args {
	case "fail422":
		return nil, 0, &statusError{status: http.StatusUnprocessableEntity, err: errors.New("refused by the sized form")}
	case "panic":
		panic("sized boom")
	case "fallback":
		return nil, 0, nil
	case "trickle":
		return trickle{}, 1 << 20, nil
	}
	return src, size, nil
}

// trickle yields one byte every 20 ms.
type trickle struct{}

func (trickle) Read(p []byte) (int, error) {
	time.Sleep(20 * time.Millisecond)
	p[0] = 't'
	return 1, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(int64(n))).Read(b)
	return b
}

// TestSizedFQN: a Sized echo answers hpush and hpull objects read from a
// local file with the file's bytes and its Content-Length, small and large;
// the file checks of etl_fqn still apply.
func TestSizedFQN(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	mustWrite(t, filepath.Join(outside, "secret"), "secret")
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	srv := NewServer(Config{AllowedRoots: []string{root}}, tagT("T")).WithSized(echoSizedT)
	ts := newTestServer(t, srv)
	for _, size := range []int{0, 1, 70 << 10, 5<<20 + 3} {
		in := randomBytes(size)
		fqn := filepath.Join(root, "bck", "obj-"+strconv.Itoa(size))
		mustWrite(t, fqn, string(in))
		for _, method := range []string{http.MethodPut, http.MethodGet} {
			st, hdr, body := do(t, method, ts.URL+"/bck/o?etl_fqn="+url.QueryEscape(api.EscapeFQN(fqn)), nil, nil)
			wantStatus(t, st, http.StatusOK, "")
			if body != string(in) {
				t.Fatalf("%s %d B: %d bytes back, identical %v", method, size, len(body), body == string(in))
			}
			if cl := hdr.Get("Content-Length"); cl != strconv.Itoa(size) {
				t.Fatalf("%s %d B: Content-Length %q", method, size, cl)
			}
		}
	}
	st, _, body := do(t, http.MethodPut, ts.URL+"/bck/o?etl_fqn="+url.QueryEscape(filepath.Join(root, "link")), nil, nil)
	wantStatus(t, st, http.StatusForbidden, body)
	wantContains(t, body, "outside the target's mountpaths")
}

// TestSizedFQNOverwritten: a file replaced (renamed over, as the store
// overwrites objects) after the transformer opened it is still served,
// its old bytes whole.
func TestSizedFQNOverwritten(t *testing.T) {
	root := t.TempDir()
	fqn := filepath.Join(root, "o")
	mustWrite(t, fqn, "old bytes")
	srv := NewServer(Config{AllowedRoots: []string{root}}, echoT)
	f, size, err := srv.openFQN(fqn)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if size != int64(len("old bytes")) {
		t.Fatalf("size %d", size)
	}
	f, err = os.Open(fqn)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mustWrite(t, fqn+".new", "new")
	if err := os.Rename(fqn+".new", fqn); err != nil {
		t.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	real, err := openedPath(f, st)
	if err != nil || !within(real, srv.roots) {
		t.Fatalf("the replaced file resolves to %q (%v), want a path inside %v", real, err, srv.roots)
	}
}

// TestSizedBody: hpush bodies echoed by a Sized echo come back whole, with
// their length, on one kept-alive connection, around the server's 256 KiB
// post-handler read limit.
func TestSizedBody(t *testing.T) {
	ts := newTestServer(t, NewServer(Config{}, echoT).WithSized(echoSizedT))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	t.Cleanup(client.CloseIdleConnections)
	for _, size := range []int{40 << 10, 300 << 10, 3<<20 + 17} {
		in := randomBytes(size)
		req, _ := http.NewRequest(http.MethodPut, ts.URL+"/b/o", bytes.NewReader(in))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%d B: %v", size, err)
		}
		out, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(out, in) || resp.ContentLength != int64(size) {
			t.Fatalf("%d B: status %d, length %d, %d bytes back (identical %v), %v", size, resp.StatusCode, resp.ContentLength, len(out), bytes.Equal(out, in), err)
		}
		if resp.Close {
			t.Fatalf("%d B: the server closes the connection", size)
		}
	}
}

// TestSizedErrors: the sized form's error and panic are answered with their
// status before any byte; a nil reader hands the object to the Transform;
// a reply slower than the object timeout is cut there.
func TestSizedErrors(t *testing.T) {
	ts := newTestServer(t, NewServer(Config{ObjTimeout: 300 * time.Millisecond}, tagT("T")).WithSized(echoSizedT))
	st, _, body := do(t, http.MethodPut, ts.URL+"/b/o?etl_args=fail422", bytes.NewReader([]byte("in")), nil)
	wantStatus(t, st, http.StatusUnprocessableEntity, body)
	wantContains(t, body, "refused by the sized form")
	st, _, body = do(t, http.MethodPut, ts.URL+"/b/o?etl_args=panic", bytes.NewReader([]byte("in")), nil)
	wantStatus(t, st, http.StatusInternalServerError, body)
	wantContains(t, body, "sized boom")
	st, _, body = do(t, http.MethodPut, ts.URL+"/b/o?etl_args=fallback", bytes.NewReader([]byte("in")), nil)
	wantStatus(t, st, http.StatusOK, body)
	if body != "T[b/o|fallback]in" {
		t.Fatalf("fallback: body %q, want the Transform's", body)
	}
	start := time.Now()
	req, _ := http.NewRequest(http.MethodPut, ts.URL+"/b/o?etl_args=trickle", nil)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Fatalf("a 1 MiB reply trickling past the object timeout was not cut")
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("the trickling reply was cut only after %v", d)
	}
}

// TestSizedWS: over ws, a Sized echo answers a local file and a data frame
// with one binary message each, and an error with an error frame, in order.
func TestSizedWS(t *testing.T) {
	root := t.TempDir()
	in := randomBytes(3<<20 + 5)
	fqn := filepath.Join(root, "o")
	mustWrite(t, fqn, string(in))
	ts := newTestServer(t, NewServer(Config{AllowedRoots: []string{root}}, tagT("T")).WithSized(echoSizedT))
	conn := wsDial(t, ts.URL)
	ctx := testCtx(t)
	steps := []struct {
		msg  api.WSCtrlMsg
		data []byte
		typ  websocket.MessageType
		want string
	}{
		{api.WSCtrlMsg{Path: "b/o", FQN: api.EscapeFQN(fqn)}, nil, websocket.MessageBinary, string(in)},
		{api.WSCtrlMsg{Path: "b/o"}, in[:100<<10], websocket.MessageBinary, string(in[:100<<10])},
		{api.WSCtrlMsg{Path: "b/o", ETLArgs: "fail422"}, []byte("x"), websocket.MessageText, "refused by the sized form"},
		{api.WSCtrlMsg{Path: "b/o", ETLArgs: "fallback"}, []byte("x"), websocket.MessageBinary, "T[b/o|fallback]x"},
	}
	for i, s := range steps {
		if err := wsSend(ctx, conn, s.msg, s.data); err != nil {
			t.Fatalf("step %d: send: %v", i, err)
		}
		r, err := wsRecv(ctx, conn)
		if err != nil {
			t.Fatalf("step %d: receive: %v", i, err)
		}
		if r.typ != s.typ {
			t.Fatalf("step %d: reply type %v, want %v (%.100q)", i, r.typ, s.typ, r.data)
		}
		if s.typ == websocket.MessageText {
			wantContains(t, r.data, s.want, "422")
		} else if r.data != s.want {
			t.Fatalf("step %d: %d bytes back, want %d (identical %v)", i, len(r.data), len(s.want), r.data == s.want)
		}
	}
}
