package etl

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/countio"
)

// testTransformer is a transformer written for these tests: hpush (PUT),
// hpull (GET, pulling from a fake target when there is no etl_fqn) and ws,
// whose behaviour for each object is chosen by etl_args:
//
//	"" | "echo"      return the object
//	"upper"          return the object in upper case
//	"directput"      consume the object, answer 204 / a text frame with its length
//	"transient"      first attempt of each object: 503 + direct-put-transient; then echo
//	"fail=<status>"  answer the status with message "boom <status>" (ws: an error frame)
//	"sleep=<dur>"    wait, then echo (ws: read the object, wait, answer "slept")
//	"hold"           wait until the test ends (or the connection is dropped)
type testTransformer struct {
	t      *testing.T
	srv    *httptest.Server
	target *httptest.Server // the fake target hpull pulls from
	ctx    context.Context  // ends when the test ends
	cancel context.CancelFunc

	mu       sync.Mutex
	reqs     []seenReq         // every hpush/hpull request
	attempts map[string]int    // transient: attempts per object
	objects  map[string][]byte // the fake target's objects, by "<bck>/<obj>"
	wsConns  map[*websocket.Conn]bool
	ctrls    []api.WSCtrlMsg
}

type seenReq struct {
	Method, EscapedPath, RawQuery, NodeURL string
	Query                                  url.Values
	BodyLen                                int64
}

func newTestTransformer(t *testing.T) *testTransformer {
	tt := &testTransformer{t: t, attempts: map[string]int{}, objects: map[string][]byte{}, wsConns: map[*websocket.Conn]bool{}}
	tt.ctx, tt.cancel = context.WithCancel(context.Background())
	tt.target = httptest.NewServer(http.HandlerFunc(tt.serveTarget))
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc(api.PathWS, tt.serveWS)
	mux.HandleFunc("/", tt.serveHTTP)
	tt.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		tt.cancel()
		tt.dropWS()
		tt.srv.Close()
		tt.target.Close()
	})
	return tt
}

func (tt *testTransformer) URL() string { return tt.srv.URL }

// putObject stores an object on the fake target.
func (tt *testTransformer) putObject(bck, obj string, data []byte) {
	tt.mu.Lock()
	tt.objects[bck+"/"+obj] = data
	tt.mu.Unlock()
}

func (tt *testTransformer) seen() []seenReq {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	return append([]seenReq(nil), tt.reqs...)
}

// dropWS closes every ws connection the transformer has accepted.
func (tt *testTransformer) dropWS() {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	for c := range tt.wsConns {
		c.CloseNow()
	}
}

// serveTarget is the fake target's _object endpoint: GET /<escaped uname>.
func (tt *testTransformer) serveTarget(w http.ResponseWriter, r *http.Request) {
	bck, obj, err := ParseUname(strings.TrimPrefix(r.URL.EscapedPath(), "/"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	tt.mu.Lock()
	data, ok := tt.objects[bck+"/"+obj]
	tt.mu.Unlock()
	if !ok {
		http.Error(w, "no such object "+bck+"/"+obj, http.StatusNotFound)
		return
	}
	w.Write(data)
}

// source opens the object of one request: the etl_fqn file, else the body.
func openFQN(escaped string) (*os.File, error) {
	fqn, err := url.PathUnescape(escaped)
	if err != nil {
		return nil, err
	}
	return os.Open(fqn)
}

// behave returns what an etl_args asks for.
func behave(args string) (kind string, status int, d time.Duration) {
	k, v, _ := strings.Cut(args, "=")
	switch k {
	case "fail":
		status, _ = strconv.Atoi(v)
	case "sleep":
		d, _ = time.ParseDuration(v)
	case "":
		k = "echo"
	}
	return k, status, d
}

func (tt *testTransformer) wait(ctx context.Context, kind string, d time.Duration) {
	switch kind {
	case "sleep":
		select {
		case <-time.After(d):
		case <-ctx.Done():
		case <-tt.ctx.Done():
		}
	case "hold":
		select {
		case <-ctx.Done():
		case <-tt.ctx.Done():
		}
	}
}

func (tt *testTransformer) serveHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rec := seenReq{Method: r.Method, EscapedPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		NodeURL: r.Header.Get(api.HdrNodeURL), Query: q}
	var src io.Reader
	switch {
	case q.Get(api.QparamETLFQN) != "":
		f, err := openFQN(q.Get(api.QparamETLFQN))
		if err != nil {
			http.Error(w, "etl_fqn: "+err.Error(), http.StatusBadRequest)
			return
		}
		defer f.Close()
		src = f
	case r.Method == http.MethodPut:
		src = r.Body
	case r.Method == http.MethodGet: // hpull without fqn: pull from the target
		resp, err := http.Get(tt.target.URL + r.URL.EscapedPath())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			http.Error(w, "target: "+resp.Status, resp.StatusCode)
			return
		}
		src = resp.Body
	default:
		http.Error(w, "method", http.StatusMethodNotAllowed)
		return
	}
	key := r.URL.EscapedPath()
	kind, status, d := behave(q.Get(api.QparamETLArgs))
	tt.wait(r.Context(), kind, d)
	record := func(n int64) {
		rec.BodyLen = n
		tt.mu.Lock()
		tt.reqs = append(tt.reqs, rec)
		tt.mu.Unlock()
	}
	switch kind {
	case "fail":
		n, _ := io.Copy(io.Discard, src)
		record(n)
		http.Error(w, fmt.Sprintf("boom %d", status), status)
	case "directput":
		n, _ := io.Copy(io.Discard, src)
		record(n)
		w.Header().Set(api.HdrDirectPutLength, strconv.FormatInt(n, 10))
		w.WriteHeader(http.StatusNoContent)
	case "transient":
		tt.mu.Lock()
		tt.attempts[key]++
		first := tt.attempts[key] == 1
		tt.mu.Unlock()
		if first {
			n, _ := io.Copy(io.Discard, src)
			record(n)
			w.Header().Set(api.HdrETLRetryReason, api.RetryDirectPutTransient)
			http.Error(w, "destination busy", http.StatusServiceUnavailable)
			return
		}
		fallthrough
	default: // echo, upper, sleep: stream the object back while reading it
		_ = http.NewResponseController(w).EnableFullDuplex()
		cw := &countio.Writer{W: w}
		var out io.Writer = cw
		if kind == "upper" {
			out = upperWriter{cw}
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = io.Copy(out, src)
		record(cw.N)
	}
}

type upperWriter struct{ w io.Writer }

func (u upperWriter) Write(p []byte) (int, error) {
	return u.w.Write([]byte(strings.ToUpper(string(p))))
}

// serveWS serves ws:// as the contract says, one object at a time.
func (tt *testTransformer) serveWS(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	c.SetReadLimit(-1)
	tt.mu.Lock()
	tt.wsConns[c] = true
	tt.mu.Unlock()
	defer func() {
		tt.mu.Lock()
		delete(tt.wsConns, c)
		tt.mu.Unlock()
		c.CloseNow()
	}()
	ctx := tt.ctx
	for {
		typ, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageBinary {
			return
		}
		m, err := api.DecodeWSCtrlMsg(b)
		if err != nil {
			return
		}
		tt.mu.Lock()
		tt.ctrls = append(tt.ctrls, m)
		tt.mu.Unlock()
		kind, status, d := behave(m.ETLArgs)
		var src io.Reader
		if m.FQN != "" {
			f, err := openFQN(m.FQN)
			if err != nil {
				c.Write(ctx, websocket.MessageText, api.EncodeWSError(400, err.Error()))
				continue
			}
			src = f
			defer f.Close() // test objects are few: closed when the connection ends
		} else {
			_, rd, err := c.Reader(ctx)
			if err != nil {
				return
			}
			src = rd
		}
		if kind == "sleep" || kind == "hold" {
			// read the object first, as a transformer that computes would
			if _, err := io.Copy(io.Discard, src); err != nil {
				return
			}
			tt.wait(ctx, kind, d)
			if ctx.Err() != nil {
				return
			}
			src = strings.NewReader("slept")
		}
		switch kind {
		case "fail":
			io.Copy(io.Discard, src)
			err = c.Write(ctx, websocket.MessageText, api.EncodeWSError(status, fmt.Sprintf("boom %d", status)))
		case "directput":
			n, _ := io.Copy(io.Discard, src)
			err = c.Write(ctx, websocket.MessageText, api.EncodeWSDirectPut(n))
		default: // echo, upper: stream the data frame into the reply frame
			var wr io.WriteCloser
			if wr, err = c.Writer(ctx, websocket.MessageBinary); err != nil {
				return
			}
			var out io.Writer = wr
			if kind == "upper" {
				out = upperWriter{wr}
			}
			if _, err = io.Copy(out, src); err != nil {
				return
			}
			err = wr.Close()
		}
		if err != nil {
			return
		}
	}
}
