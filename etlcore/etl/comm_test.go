package etl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

var modes = []string{"hpush://", "hpull://", "ws://"}

func newComm(t *testing.T, mode, u string, opts CommOpts) Communicator {
	t.Helper()
	c, err := NewCommunicator(mode, u, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readResult reads a result body to the end and closes it.
func readResult(t *testing.T, res *ObjResult) []byte {
	t.Helper()
	if res.Body == nil {
		t.Fatalf("no result body (direct put %v)", res.DirectPut)
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read result: %v", err)
	}
	if err := res.Body.Close(); err != nil {
		t.Fatalf("close result: %v", err)
	}
	return b
}

func objErr(t *testing.T, err error) *ObjError {
	t.Helper()
	var oe *ObjError
	if !errors.As(err, &oe) {
		t.Fatalf("error %v (%T) is not an *ObjError", err, err)
	}
	return oe
}

const weirdName = "dir/sub/o b#?%+é.bin"

func TestUname(t *testing.T) {
	if got := Uname("bck", weirdName); got != "ais/@#/bck/"+weirdName {
		t.Fatalf("Uname = %q", got)
	}
	for _, in := range []string{
		"ais/@#/bck/" + weirdName,
		"/ais/@#/bck/" + weirdName,
		url.PathEscape("ais/@#/bck/" + weirdName),
		"/" + url.PathEscape("ais/@#/bck/"+weirdName),
		"bck/" + weirdName,
	} {
		b, o, err := ParseUname(in)
		if err != nil || b != "bck" || o != weirdName {
			t.Errorf("ParseUname(%q) = %q, %q, %v", in, b, o, err)
		}
	}
	for in, want := range map[string]string{
		"":                  "want ais/@#/<bucket>/<object>",
		"bck":               "want ais/@#/<bucket>/<object>",
		"bck/":              "empty bucket or object",
		"/obj":              "want ais/@#",
		"s3/@#/b/o":         `provider "s3"`,
		"ais/@uuid#ns/b/o":  "only the global namespace",
		"ais/@#/b":          "want ais/@#/<bucket>/<object>",
		"ais%2F@%23%2Fb%ZZ": "invalid URL escape",
	} {
		if _, _, err := ParseUname(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseUname(%q): err = %v, want %q", in, err, want)
		}
	}
}

func TestHPullRedirectURL(t *testing.T) {
	got := HPullRedirectURL("http://127.0.0.1:8000/", "bck", "a/b c#.txt", "/mp 1/ais/bck/a/b c#.txt", "x=1&y")
	want := "http://127.0.0.1:8000/ais%2F@%23%2Fbck%2Fa%2Fb%20c%23.txt?etl_args=x%3D1%26y&etl_fqn=%252Fmp%25201%252Fais%252Fbck%252Fa%252Fb%2520c%2523.txt"
	if got != want {
		t.Fatalf("HPullRedirectURL =\n%s\nwant\n%s", got, want)
	}
	if got := HPullRedirectURL("http://h:1", "b", "o", "", ""); got != "http://h:1/ais%2F@%23%2Fb%2Fo" {
		t.Fatalf("without query: %s", got)
	}
	u, err := url.Parse(want)
	if err != nil {
		t.Fatal(err)
	}
	fqn, _ := url.PathUnescape(u.Query().Get(api.QparamETLFQN))
	if fqn != "/mp 1/ais/bck/a/b c#.txt" {
		t.Fatalf("fqn round trip: %q", fqn)
	}
}

func TestNewCommunicatorBadInput(t *testing.T) {
	for _, tc := range []struct{ comm, url, want string }{
		{"grpc://", "http://127.0.0.1:1", `unknown communication "grpc://"`},
		{"hpush", "127.0.0.1:1", "want http://host:port"},
		{"ws", "ftp://h:1", "want http://host:port"},
	} {
		if _, err := NewCommunicator(tc.comm, tc.url, CommOpts{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: err = %v, want %q", tc.comm, tc.url, err, tc.want)
		}
	}
	for _, m := range []string{"", "hpush", "HPULL://", "ws"} {
		c, err := NewCommunicator(m, "http://127.0.0.1:1", CommOpts{})
		if err != nil {
			t.Errorf("%q: %v", m, err)
			continue
		}
		c.Close()
	}
	c, _ := NewCommunicator("hpush", "http://127.0.0.1:1", CommOpts{})
	for _, req := range []*ObjRequest{nil, {Bck: "", ObjName: "o"}, {Bck: "b", ObjName: "o", FQN: "relative/path"}} {
		if _, err := c.Do(context.Background(), req); err == nil {
			t.Errorf("no error for %+v", req)
		}
	}
}

// TestCommEcho sends an object through each mode, as bytes and as etl_fqn,
// and checks the result and exactly what the transformer received.
func TestCommEcho(t *testing.T) {
	tt := newTestTransformer(t)
	data := []byte("hello, transformer: " + strings.Repeat("abc", 1000))
	fqn := filepath.Join(t.TempDir(), "mp 1", "o b#%.bin")
	if err := os.MkdirAll(filepath.Dir(fqn), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fqn, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tt.putObject("bck", weirdName, data)
	want := bytes.ToUpper(data)
	for _, mode := range modes {
		c := newComm(t, mode, tt.URL(), CommOpts{ObjTimeout: 10 * time.Second, WSConns: 2})
		for _, useFQN := range []bool{false, true} {
			name := fmt.Sprintf("%s fqn=%v", mode, useFQN)
			req := &ObjRequest{Bck: "bck", ObjName: weirdName, Body: bytes.NewReader(data), Size: int64(len(data)), Args: "upper"}
			if useFQN {
				req.FQN, req.Body, req.Size = fqn, nil, -1
			}
			n0 := len(tt.seen())
			res, err := c.Do(context.Background(), req)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if res.DirectPut {
				t.Fatalf("%s: direct put", name)
			}
			if got := readResult(t, res); !bytes.Equal(got, want) {
				t.Fatalf("%s: got %d bytes %.40q..., want the upper-cased object", name, len(got), got)
			}
			if mode == "ws://" {
				tt.mu.Lock()
				m := tt.ctrls[len(tt.ctrls)-1]
				tt.mu.Unlock()
				lf, _ := m.LocalFQN()
				if m.Path != weirdName || m.ETLArgs != "upper" || lf != req.FQN {
					t.Errorf("%s: control message %+v", name, m)
				}
				continue
			}
			s := tt.seen()
			if len(s) != n0+1 {
				t.Fatalf("%s: transformer saw %d requests, want 1", name, len(s)-n0)
			}
			r := s[len(s)-1]
			wantPath := "/bck/" + api.EscapeObjName(weirdName)
			wantMethod := "PUT"
			if mode == "hpull://" {
				wantPath, wantMethod = "/"+url.PathEscape(Uname("bck", weirdName)), "GET"
			}
			if r.Method != wantMethod || r.EscapedPath != wantPath {
				t.Errorf("%s: %s %s, want %s %s", name, r.Method, r.EscapedPath, wantMethod, wantPath)
			}
			if r.Query.Get(api.QparamETLArgs) != "upper" {
				t.Errorf("%s: etl_args %q", name, r.Query.Get(api.QparamETLArgs))
			}
			gotFQN, _ := url.PathUnescape(r.Query.Get(api.QparamETLFQN))
			if gotFQN != req.FQN {
				t.Errorf("%s: etl_fqn %q, want %q", name, gotFQN, req.FQN)
			}
			if r.NodeURL != "" {
				t.Errorf("%s: Ais-Node-Url %q without NodeURLs", name, r.NodeURL)
			}
		}
	}
}

func TestCommDirectPut(t *testing.T) {
	tt := newTestTransformer(t)
	data := bytes.Repeat([]byte("x"), 12345)
	tt.putObject("b", "o", data)
	nodes := []string{"http://127.0.0.1:9/ais%2F@%23%2Fdst%2Fo?uuid=job1", "http://127.0.0.1:10"}
	for _, mode := range modes {
		c := newComm(t, mode, tt.URL(), CommOpts{})
		res, err := c.Do(context.Background(), &ObjRequest{Bck: "b", ObjName: "o", Body: bytes.NewReader(data),
			Size: int64(len(data)), Args: "directput", NodeURLs: nodes})
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if !res.DirectPut || res.Body != nil || res.DirectPutLength != int64(len(data)) {
			t.Fatalf("%s: result %+v, want direct put of %d", mode, res, len(data))
		}
		if mode == "ws://" {
			tt.mu.Lock()
			p := tt.ctrls[len(tt.ctrls)-1].Pipeline
			tt.mu.Unlock()
			if p != strings.Join(nodes, ",") {
				t.Errorf("ws pipeline %q", p)
			}
			continue
		}
		s := tt.seen()
		if got := s[len(s)-1].NodeURL; got != strings.Join(nodes, ",") {
			t.Errorf("%s: Ais-Node-Url %q", mode, got)
		}
	}
}

// nonSeeker hides the io.Seeker of a reader.
type nonSeeker struct{ r io.Reader }

func (n nonSeeker) Read(p []byte) (int, error) { return n.r.Read(p) }

func TestCommTransientReplay(t *testing.T) {
	tt := newTestTransformer(t)
	data := bytes.Repeat([]byte("0123456789"), 100_000)
	fqn := filepath.Join(t.TempDir(), "obj")
	os.WriteFile(fqn, data, 0o644)
	tt.putObject("b", "pull", data)
	push := newComm(t, "hpush", tt.URL(), CommOpts{})
	pull := newComm(t, "hpull", tt.URL(), CommOpts{})

	check := func(name string, c Communicator, req *ObjRequest) {
		t.Helper()
		res, err := c.Do(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := readResult(t, res); !bytes.Equal(got, data) {
			t.Fatalf("%s: replayed result differs (%d bytes)", name, len(got))
		}
		var n int
		for _, r := range tt.seen() {
			if strings.HasSuffix(r.EscapedPath, "/"+req.ObjName) || strings.HasSuffix(r.EscapedPath, "%2F"+req.ObjName) {
				n++
				if r.BodyLen != int64(len(data)) {
					t.Errorf("%s: an attempt carried %d bytes, want %d", name, r.BodyLen, len(data))
				}
			}
		}
		if n != 2 {
			t.Errorf("%s: %d attempts, want 2", name, n)
		}
	}
	check("hpush seekable body", push, &ObjRequest{Bck: "b", ObjName: "seek", Body: bytes.NewReader(data), Size: int64(len(data)), Args: "transient"})
	check("hpush fqn", push, &ObjRequest{Bck: "b", ObjName: "fqn", FQN: fqn, Size: -1, Args: "transient"})
	check("hpull", pull, &ObjRequest{Bck: "b", ObjName: "pull", Size: -1, Args: "transient"})

	_, err := push.Do(context.Background(), &ObjRequest{Bck: "b", ObjName: "stream", Body: nonSeeker{bytes.NewReader(data)},
		Size: int64(len(data)), Args: "transient"})
	oe := objErr(t, err)
	if oe.Class != ClassDirectPut || oe.Status != 503 || !strings.Contains(oe.Error(), "cannot be read again") {
		t.Fatalf("non-seekable body: %v (class %s)", err, oe.Class)
	}
}

func TestCommErrorStatus(t *testing.T) {
	tt := newTestTransformer(t)
	tt.putObject("b", "o", []byte("data"))
	for _, mode := range modes {
		c := newComm(t, mode, tt.URL(), CommOpts{WSConns: 1})
		for _, status := range []int{400, 404, 500, 507} {
			_, err := c.Do(context.Background(), &ObjRequest{Bck: "b", ObjName: "o", Body: strings.NewReader("data"), Size: 4,
				Args: fmt.Sprintf("fail=%d", status)})
			oe := objErr(t, err)
			if oe.Class != ClassTransformer || oe.Status != status || !strings.Contains(oe.Error(), fmt.Sprintf("boom %d", status)) ||
				!strings.Contains(oe.Error(), fmt.Sprint(status)) {
				t.Errorf("%s fail=%d: %v (class %s status %d)", mode, status, err, oe.Class, oe.Status)
			}
			if HTTPStatus(err) != status {
				t.Errorf("%s: HTTPStatus %d", mode, HTTPStatus(err))
			}
		}
		// the connection is still in step: the next object works
		res, err := c.Do(context.Background(), &ObjRequest{Bck: "b", ObjName: "o", Body: strings.NewReader("data"), Size: 4})
		if err != nil {
			t.Fatalf("%s after errors: %v", mode, err)
		}
		if got := readResult(t, res); string(got) != "data" {
			t.Fatalf("%s after errors: %q", mode, got)
		}
	}
}

func TestCommObjTimeout(t *testing.T) {
	tt := newTestTransformer(t)
	tt.putObject("b", "o", []byte("data"))
	for _, mode := range modes {
		t.Run(strings.TrimSuffix(mode, "://"), func(t *testing.T) {
			t.Parallel()
			testObjTimeout(t, tt, mode)
		})
	}
}

func testObjTimeout(t *testing.T, tt *testTransformer, mode string) {
	c := newComm(t, mode, tt.URL(), CommOpts{ObjTimeout: time.Second, WSConns: 1})
	start := time.Now()
	res, err := c.Do(context.Background(), &ObjRequest{Bck: "b", ObjName: "o", Body: strings.NewReader("data"), Size: 4, Args: "sleep=3s"})
	if err == nil { // hpush/hpull may time out while reading the body
		_, err = io.ReadAll(res.Body)
		res.Body.Close()
	}
	el := time.Since(start)
	if err == nil || !IsTimeout(err) || ErrClass(err) != ClassTimeout {
		t.Fatalf("%s: err = %v, want a timeout", mode, err)
	}
	// Not before obj_timeout, and before the transformer's 3 s sleep ends.
	if el < 900*time.Millisecond || el >= 3*time.Second {
		t.Errorf("%s: timed out after %v, want ~1s", mode, el)
	}
	if !strings.Contains(err.Error(), "obj_timeout 1s") {
		t.Errorf("%s: message %q does not name the timeout", mode, err)
	}
	res, err = c.Do(context.Background(), &ObjRequest{Bck: "b", ObjName: "o", Body: strings.NewReader("data"), Size: 4})
	if err != nil {
		t.Fatalf("%s: next object after a timeout: %v", mode, err)
	}
	if got := readResult(t, res); string(got) != "data" {
		t.Fatalf("%s: next object: %q", mode, got)
	}
}

func TestCommConnRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	for _, mode := range modes {
		c := newComm(t, mode, u, CommOpts{ObjTimeout: 2 * time.Second})
		_, err := c.Do(context.Background(), &ObjRequest{Bck: "b", ObjName: "o", Body: strings.NewReader("x"), Size: 1})
		if oe := objErr(t, err); oe.Class != ClassConnection {
			t.Errorf("%s: %v, want a connection error", mode, err)
		}
		if err := c.(Connector).Connect(context.Background()); err == nil {
			t.Errorf("%s: Connect to a closed port succeeded", mode)
		}
	}
}

// TestWSInOrderConcurrent checks that with many concurrent requests over a
// pool every reply goes to its own request.
func TestWSInOrderConcurrent(t *testing.T) {
	tt := newTestTransformer(t)
	c := newComm(t, "ws", tt.URL(), CommOpts{WSConns: 4, WSMaxConns: 8})
	if err := c.(Connector).Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	const n = 400
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			size := rand.IntN(40 << 10)
			body := []byte(fmt.Sprintf("object %04d:", i) + strings.Repeat(string(rune('a'+i%26)), size))
			args, want := "", body
			switch i % 3 {
			case 1:
				args, want = "upper", bytes.ToUpper(body)
			case 2:
				args = "directput"
			}
			res, err := c.Do(context.Background(), &ObjRequest{Bck: "b", ObjName: fmt.Sprintf("o%d", i), Body: bytes.NewReader(body),
				Size: int64(len(body)), Args: args})
			if err != nil {
				errs <- fmt.Errorf("object %d: %w", i, err)
				return
			}
			if args == "directput" {
				if !res.DirectPut || res.DirectPutLength != int64(len(body)) {
					errs <- fmt.Errorf("object %d: %+v, want direct put of %d", i, res, len(body))
				}
				return
			}
			got, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil || !bytes.Equal(got, want) {
				errs <- fmt.Errorf("object %d: got %.20q (%d bytes), err %v; want %.20q (%d bytes)", i, got, len(got), err, want, len(want))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	tt.mu.Lock()
	nconns := len(tt.wsConns)
	tt.mu.Unlock()
	if nconns < 4 || nconns > 8 {
		t.Errorf("transformer has %d ws connections, want the pool of 4 to 8", nconns)
	}
}

func TestWSDropRedial(t *testing.T) {
	tt := newTestTransformer(t)
	c := newComm(t, "ws", tt.URL(), CommOpts{WSConns: 2, ObjTimeout: 20 * time.Second})
	const n = 6
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := c.Do(context.Background(), &ObjRequest{Bck: "b", ObjName: fmt.Sprint(i), Body: strings.NewReader("x"), Size: 1, Args: "hold"})
			errs <- err
		}()
	}
	// All six must be on the transformer when the connections drop: one
	// still being sent then would go out on a redialled connection and hold.
	deadline := time.Now().Add(30 * time.Second)
	for {
		tt.mu.Lock()
		k := len(tt.ctrls)
		tt.mu.Unlock()
		if k >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the transformer received %d of the %d requests", k, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	tt.dropWS()
	for range n {
		select {
		case err := <-errs:
			// A connection error, not the 20 s obj_timeout.
			if oe := objErr(t, err); oe.Class != ClassConnection || !strings.Contains(err.Error(), "ws connection") {
				t.Errorf("in-flight request: %v, want a ws connection error", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("in-flight requests did not fail after the connection dropped")
		}
	}
	for i := range 4 { // redialled
		res, err := c.Do(context.Background(), &ObjRequest{Bck: "b", ObjName: "after", Body: strings.NewReader("again"), Size: 5})
		if err != nil {
			t.Fatalf("request %d after the drop: %v", i, err)
		}
		if got := readResult(t, res); string(got) != "again" {
			t.Fatalf("after the drop: %q", got)
		}
	}
}

func TestWSCallerCancel(t *testing.T) {
	tt := newTestTransformer(t)
	c := newComm(t, "ws", tt.URL(), CommOpts{WSConns: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Do(ctx, &ObjRequest{Bck: "b", ObjName: "o", Body: strings.NewReader("x"), Size: 1, Args: "sleep=700ms"})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("canceled request: %v after %v", err, time.Since(start))
	}
	// the abandoned reply ("slept") is skipped: the next reply is this request's
	res, err := c.Do(context.Background(), &ObjRequest{Bck: "b", ObjName: "o2", Body: strings.NewReader("mine"), Size: 4})
	if err != nil {
		t.Fatal(err)
	}
	if got := readResult(t, res); string(got) != "mine" {
		t.Fatalf("after an abandoned request got %q, want %q", got, "mine")
	}
}
