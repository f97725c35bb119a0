package transformer

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/etlbench/etlbench/etlcore/api"
)

func wsDial(t *testing.T, base string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+api.PathWS, nil)
	if err != nil {
		t.Fatalf("dial ws: %v", err)
	}
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	conn.SetReadLimit(-1)
	t.Cleanup(func() { conn.CloseNow() })
	return conn
}

// wsSend sends one request: the control frame and, without fqn, the data frame.
func wsSend(ctx context.Context, conn *websocket.Conn, msg api.WSCtrlMsg, data []byte) error {
	b, err := api.EncodeWSCtrlMsg(&msg)
	if err != nil {
		return err
	}
	if err := conn.Write(ctx, websocket.MessageBinary, b); err != nil {
		return err
	}
	if msg.FQN == "" {
		return conn.Write(ctx, websocket.MessageBinary, data)
	}
	return nil
}

type wsReply struct {
	typ  websocket.MessageType
	data string
}

func wsRecv(ctx context.Context, conn *websocket.Conn) (wsReply, error) {
	typ, b, err := conn.Read(ctx)
	return wsReply{typ, string(b)}, err
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestWSInOrder(t *testing.T) {
	root := t.TempDir()
	fqn := filepath.Join(root, "bck", "on disk")
	mustWrite(t, fqn, "DISK")
	_, ts := startSDK(t, Config{AllowedRoots: []string{root}}, tagT("A"))
	conn := wsDial(t, ts.URL)
	ctx := testCtx(t)

	const n = 60
	type want struct {
		typ  websocket.MessageType
		data string // exact for binary; a substring of the error for text
	}
	var wants []want
	var reqs []func() error
	for i := range n {
		path := fmt.Sprintf("dir/obj-%03d", i)
		switch i % 4 {
		case 0, 1:
			data := strings.Repeat(fmt.Sprint(i), i*500)
			reqs = append(reqs, func() error { return wsSend(ctx, conn, api.WSCtrlMsg{Path: path, ETLArgs: "a"}, []byte(data)) })
			wants = append(wants, want{websocket.MessageBinary, "A[" + path + "|a]" + data})
		case 2:
			reqs = append(reqs, func() error {
				return wsSend(ctx, conn, api.WSCtrlMsg{Path: path, FQN: api.EscapeFQN(fqn)}, nil)
			})
			wants = append(wants, want{websocket.MessageBinary, "A[" + path + "|]DISK"})
		case 3:
			reqs = append(reqs, func() error {
				return wsSend(ctx, conn, api.WSCtrlMsg{Path: path, ETLArgs: "fail422"}, []byte("ignored"))
			})
			wants = append(wants, want{websocket.MessageText, "cannot digest this input"})
		}
	}
	errc := make(chan error, 1)
	go func() {
		for _, r := range reqs {
			if err := r(); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	for i, w := range wants {
		got, err := wsRecv(ctx, conn)
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if got.typ != w.typ {
			t.Fatalf("reply %d: type %v, want %v (%.80q)", i, got.typ, w.typ, got.data)
		}
		if w.typ == websocket.MessageBinary && got.data != w.data {
			t.Fatalf("reply %d: %.60q, want %.60q", i, got.data, w.data)
		}
		if w.typ == websocket.MessageText {
			_, msg, status, isErr := api.ParseWSText([]byte(got.data))
			if !isErr || status != http.StatusUnprocessableEntity || !strings.Contains(msg, w.data) {
				t.Fatalf("reply %d: %q is not the error frame (%v %d %q)", i, got.data, isErr, status, msg)
			}
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestWSParallelConnections(t *testing.T) {
	_, ts := startSDK(t, Config{}, tagT("P"))
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for c := range 4 {
		conn := wsDial(t, ts.URL)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				data := fmt.Sprintf("conn %d object %d", c, i)
				if err := wsSend(ctx, conn, api.WSCtrlMsg{Path: "o"}, []byte(data)); err != nil {
					errs <- err
					return
				}
				got, err := wsRecv(ctx, conn)
				if err != nil || got.data != "P[o|]"+data {
					errs <- fmt.Errorf("conn %d object %d: %q %v", c, i, got.data, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestWSDirectPutAndPipeline(t *testing.T) {
	dst, dts := startRecorder(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) { w.WriteHeader(http.StatusOK) })
	_, down := startRecorder(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		http.Error(w, "overloaded", http.StatusInternalServerError)
	})
	cfg := Config{TargetURL: "http://127.0.0.1:1" + secretPath, DirectPut: true}
	_, b := startSDK(t, cfg, tagT("B"))
	_, a := startSDK(t, cfg, tagT("A"))
	conn := wsDial(t, a.URL)
	ctx := testCtx(t)

	// Direct put: a text frame with the length; the exact PUT at the destination.
	if err := wsSend(ctx, conn, api.WSCtrlMsg{Path: "dir/a b", Pipeline: dts.URL + "/dst/dir/a%20b?uuid=j1"}, []byte("xyz")); err != nil {
		t.Fatal(err)
	}
	got, err := wsRecv(ctx, conn)
	want := "A[dir/a b|]xyz"
	if err != nil || got.typ != websocket.MessageText || got.data != itoa(int64(len(want))) {
		t.Fatalf("direct put reply %v %q %v", got.typ, got.data, err)
	}
	if n, _, _, isErr := api.ParseWSText([]byte(got.data)); isErr || n != int64(len(want)) {
		t.Fatalf("ParseWSText(%q) = %d %v", got.data, n, isErr)
	}
	if g := dst.got(); len(g) != 1 || g[0].URI != secretPath+"/dst/dir/a%20b?uuid=j1" || string(g[0].Body) != want {
		t.Fatalf("destination saw %+v", g)
	}
	// Pipeline to the next transformer: its bytes come back in a binary frame.
	if err := wsSend(ctx, conn, api.WSCtrlMsg{Path: "dir/a b", ETLArgs: "x", Pipeline: b.URL}, []byte("in")); err != nil {
		t.Fatal(err)
	}
	got, err = wsRecv(ctx, conn)
	if err != nil || got.typ != websocket.MessageBinary || got.data != "B[dir/a b|]A[dir/a b|x]in" {
		t.Fatalf("pipeline reply %v %q %v", got.typ, got.data, err)
	}
	// Pipeline ending in a direct put: the length comes back.
	if err := wsSend(ctx, conn, api.WSCtrlMsg{Path: "o", Pipeline: b.URL + "," + dts.URL + "/dst/o?uuid=j2"}, []byte("in")); err != nil {
		t.Fatal(err)
	}
	got, err = wsRecv(ctx, conn)
	want = "B[o|]A[o|]in"
	if err != nil || got.typ != websocket.MessageText || got.data != itoa(int64(len(want))) {
		t.Fatalf("pipeline direct put reply %v %q %v", got.typ, got.data, err)
	}
	// Transient failure: an error frame with 503 naming the retry reason.
	if err := wsSend(ctx, conn, api.WSCtrlMsg{Path: "o", Pipeline: down.URL + "/dst/o"}, []byte("in")); err != nil {
		t.Fatal(err)
	}
	got, err = wsRecv(ctx, conn)
	if err != nil || got.typ != websocket.MessageText {
		t.Fatalf("transient reply %v %q %v", got.typ, got.data, err)
	}
	_, msg, status, isErr := api.ParseWSText([]byte(got.data))
	if !isErr || status != http.StatusServiceUnavailable || !strings.Contains(msg, api.RetryDirectPutTransient) {
		t.Fatalf("transient reply %q: %v %d %q", got.data, isErr, status, msg)
	}
	// The connection still works.
	if err := wsSend(ctx, conn, api.WSCtrlMsg{Path: "o"}, []byte("again")); err != nil {
		t.Fatal(err)
	}
	if got, err = wsRecv(ctx, conn); err != nil || got.data != "A[o|]again" {
		t.Fatalf("after errors: %q %v", got.data, err)
	}
}

func TestWSErrors(t *testing.T) {
	root := t.TempDir()
	_, ts := startSDK(t, Config{AllowedRoots: []string{root}, ObjTimeout: 300 * time.Millisecond}, tagT("A"))
	ctx := testCtx(t)
	conn := wsDial(t, ts.URL)
	check := func(what string, status int, sub string) {
		t.Helper()
		got, err := wsRecv(ctx, conn)
		if err != nil || got.typ != websocket.MessageText {
			t.Fatalf("%s: %v %q %v", what, got.typ, got.data, err)
		}
		_, msg, st, isErr := api.ParseWSText([]byte(got.data))
		if !isErr || st != status || !strings.Contains(msg, sub) {
			t.Fatalf("%s: %q -> %v %d %q; want %d with %q", what, got.data, isErr, st, msg, status, sub)
		}
	}
	// fqn outside the roots: no data frame follows it.
	if err := wsSend(ctx, conn, api.WSCtrlMsg{Path: "o", FQN: api.EscapeFQN("/etc/passwd")}, nil); err != nil {
		t.Fatal(err)
	}
	check("fqn outside", http.StatusForbidden, "outside")
	if err := wsSend(ctx, conn, api.WSCtrlMsg{Path: "o", ETLArgs: "sleep"}, []byte("zz")); err != nil {
		t.Fatal(err)
	}
	check("timeout", http.StatusGatewayTimeout, "deadline exceeded")
	if err := wsSend(ctx, conn, api.WSCtrlMsg{Path: "o", ETLArgs: "panic"}, []byte("zz")); err != nil {
		t.Fatal(err)
	}
	check("panic", http.StatusInternalServerError, "panicked")
	if err := wsSend(ctx, conn, api.WSCtrlMsg{Path: "o", Pipeline: "a,,b"}, []byte("zz")); err != nil {
		t.Fatal(err)
	}
	check("bad pipeline", http.StatusBadRequest, "empty entry")
	if err := wsSend(ctx, conn, api.WSCtrlMsg{Path: "o", FQN: "relative/path"}, nil); err != nil {
		t.Fatal(err)
	}
	check("relative fqn", http.StatusBadRequest, "not an absolute path")
	// A control message sent as a text frame (older clients) works.
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"path":"t"}`)); err != nil {
		t.Fatal(err)
	}
	if err := conn.Write(ctx, websocket.MessageBinary, []byte("text ctrl")); err != nil {
		t.Fatal(err)
	}
	if got, err := wsRecv(ctx, conn); err != nil || got.data != "A[t|]text ctrl" {
		t.Fatalf("text control frame: %q %v", got.data, err)
	}
	// A malformed control message: an error frame, then the connection closes.
	if err := conn.Write(ctx, websocket.MessageBinary, []byte("not json")); err != nil {
		t.Fatal(err)
	}
	check("bad control", http.StatusBadRequest, "want a JSON object")
	if _, err := wsRecv(ctx, conn); err == nil {
		t.Fatal("connection still open after a bad control message")
	}

	// A transform failing mid-reply closes the connection.
	conn2 := wsDial(t, ts.URL)
	if err := wsSend(ctx, conn2, api.WSCtrlMsg{Path: "o", ETLArgs: "midfail"}, []byte("zz")); err != nil {
		t.Fatal(err)
	}
	if _, err := wsRecv(ctx, conn2); err == nil {
		t.Fatal("a reply failed mid-stream was delivered whole")
	}
}

func TestWSShutdown(t *testing.T) {
	srv := NewServer(Config{Host: "127.0.0.1", Port: "0"}, echoT)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx) }()
	select {
	case <-srv.Ready():
	case err := <-done:
		t.Fatal(err)
	case <-time.After(10 * time.Second):
		t.Fatal("not listening")
	}
	base := "http://" + srv.Addr()
	if st, _, body := do(t, http.MethodGet, base+"/health", nil, nil); st != 200 {
		t.Fatalf("health %d %q", st, body)
	}
	conn := wsDial(t, base)
	rctx := testCtx(t)
	if err := wsSend(rctx, conn, api.WSCtrlMsg{Path: "o"}, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if got, err := wsRecv(rctx, conn); err != nil || got.data != "hi" {
		t.Fatalf("%q %v", got.data, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ListenAndServe: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("ListenAndServe did not return after cancel")
	}
	if _, err := wsRecv(rctx, conn); err == nil {
		t.Fatal("ws connection open after shutdown")
	}
	if _, err := http.Get(base + "/health"); err == nil {
		t.Fatal("still serving after shutdown")
	}
	_ = io.Discard
}
