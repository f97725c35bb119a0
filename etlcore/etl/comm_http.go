package etl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/bufpool"
)

// httpComm is the hpush:// (PUT) and hpull:// (GET) communicator.
type httpComm struct {
	push bool
	base string
	opts CommOpts
	raw  *rawPool // requests without a body (nil: all through opts.HTTPClient)
}

func (c *httpComm) mode() string {
	if c.push {
		return "hpush"
	}
	return "hpull"
}

// Connect checks that the transformer accepts TCP connections.
func (c *httpComm) Connect(ctx context.Context) error {
	u, err := url.Parse(c.base)
	if err != nil {
		return fmt.Errorf("etl %s: %w", c.mode(), err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", hostPort(u))
	if err != nil {
		return &ObjError{Class: ClassConnection, Msg: "connect to transformer at " + c.base, Err: err}
	}
	return conn.Close()
}

// hostPort is u's host:port, the scheme's port when u names none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), map[bool]string{true: "443", false: "80"}[u.Scheme == "https"])
}

// Close releases idle connections.
func (c *httpComm) Close() error {
	c.opts.HTTPClient.CloseIdleConnections()
	if c.raw != nil {
		c.raw.closeIdle()
	}
	return nil
}

// Do sends one object: PUT (hpush) or GET (hpull), with one replay on
// 503 + direct-put-transient when the request can be sent again.
func (c *httpComm) Do(ctx context.Context, req *ObjRequest) (*ObjResult, error) {
	if err := validateReq(req); err != nil {
		return nil, err
	}
	what := fmt.Sprintf("%s %s/%s", c.mode(), req.Bck, req.ObjName)
	octx, cancel := withObjTimeout(ctx, c.opts.ObjTimeout)

	var body *replayBody
	if c.push && req.FQN == "" && req.Body != nil && req.Size != 0 {
		var err error
		if body, err = newReplayBody(req.Body); err != nil {
			cancel()
			return nil, fmt.Errorf("%s: %w", what, err)
		}
	}
	for attempt := 0; ; attempt++ {
		resp, err := c.send(octx, req, body)
		if err != nil {
			err = connErr(octx, what, c.opts.ObjTimeout, err)
			cancel()
			return nil, err
		}
		switch {
		case resp.StatusCode == http.StatusNoContent:
			drainClose(resp.Body)
			cancel()
			return &ObjResult{DirectPut: true, DirectPutLength: directPutLength(resp.Header), Size: 0}, nil
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			return &ObjResult{
				Body:            &httpBody{rc: resp.Body, ctx: octx, cancel: cancel, what: what, timeout: c.opts.ObjTimeout},
				Size:            resp.ContentLength,
				DirectPutLength: -1,
			}, nil
		case resp.StatusCode == http.StatusServiceUnavailable &&
			resp.Header.Get(api.HdrETLRetryReason) == api.RetryDirectPutTransient:
			msg := readErrBody(resp.Body)
			if attempt == 0 && (req.FQN != "" || !c.push || body == nil || body.canReplay()) {
				if body != nil {
					if err := body.rewind(); err != nil {
						cancel()
						return nil, &ObjError{Class: ClassDirectPut, Status: resp.StatusCode, Msg: what + ": replay: " + err.Error()}
					}
				}
				continue
			}
			cancel()
			why := "after a replay"
			if attempt == 0 {
				why = "not replayed: the object's body cannot be read again"
			}
			return nil, &ObjError{Class: ClassDirectPut, Status: resp.StatusCode,
				Msg: fmt.Sprintf("%s: transient direct-put failure (%s): %s", what, why, msg)}
		default:
			msg := readErrBody(resp.Body)
			cancel()
			if resp.StatusCode < 400 {
				msg = "unexpected status: " + msg
			}
			return nil, &ObjError{Class: answerClass(resp.StatusCode), Status: resp.StatusCode, Msg: what + ": " + msg}
		}
	}
}

// send issues one attempt.
func (c *httpComm) send(ctx context.Context, req *ObjRequest, body *replayBody) (*http.Response, error) {
	var (
		method = http.MethodGet
		u      string
		rbody  io.Reader = http.NoBody
		size   int64
	)
	if c.push {
		method = http.MethodPut
		u = hpushURL(c.base, req.Bck, req.ObjName, req.FQN, req.Args)
		if body != nil {
			rbody, size = body.attempt(), req.Size
		}
	} else {
		u = HPullRedirectURL(c.base, req.Bck, req.ObjName, req.FQN, req.Args)
	}
	hreq, err := http.NewRequestWithContext(ctx, method, u, rbody)
	if err != nil {
		return nil, err
	}
	if rbody != http.NoBody {
		hreq.ContentLength = size
		if size < 0 {
			hreq.ContentLength = -1
		}
		hreq.Header.Set("Content-Type", "application/octet-stream")
	}
	if len(req.NodeURLs) > 0 {
		hreq.Header.Set(api.HdrNodeURL, strings.Join(req.NodeURLs, api.WSPipelineSep))
	}
	if c.raw != nil && rbody == http.NoBody {
		return c.raw.roundTrip(ctx, hreq)
	}
	return c.opts.HTTPClient.Do(hreq)
}

// directPutLength parses Ais-Direct-Put-Length; -1 when absent or malformed.
func directPutLength(h http.Header) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(h.Get(api.HdrDirectPutLength)), 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// readErrBody returns the message of an error answer: an ErrBody's message
// or the text, bounded; and closes the body.
func readErrBody(rc io.ReadCloser) string {
	b, _ := io.ReadAll(io.LimitReader(rc, maxErrBody))
	drainClose(rc)
	var eb api.ErrBody
	if json.Unmarshal(b, &eb) == nil && eb.Message != "" {
		return eb.Message
	}
	if s := strings.TrimSpace(string(b)); s != "" {
		return s
	}
	return "(no message)"
}

// drainClose reads a little of what is left (so the connection can be
// reused) and closes.
func drainClose(rc io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(rc, 64<<10))
	rc.Close()
}

// httpBody is a result body: it ends the object's timeout when closed and
// classifies read errors.
type httpBody struct {
	rc      io.ReadCloser
	ctx     context.Context
	cancel  context.CancelFunc
	what    string
	timeout time.Duration
	once    sync.Once
}

func (b *httpBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF {
		err = connErr(b.ctx, b.what+": read result", b.timeout, err)
	}
	return n, err
}

// WriteTo writes the result to w, from the transformer's socket straight
// to w's when both ends allow it (see rawBody.WriteTo).
func (b *httpBody) WriteTo(w io.Writer) (int64, error) {
	var (
		n   int64
		err error
	)
	if wt, ok := b.rc.(io.WriterTo); ok {
		n, err = wt.WriteTo(w)
	} else {
		n, err = bufpool.Copy(w, b.rc, -1)
	}
	if err != nil {
		err = connErr(b.ctx, b.what+": relay result", b.timeout, err)
	}
	return n, err
}

func (b *httpBody) Close() error {
	err := b.rc.Close()
	b.once.Do(b.cancel)
	return err
}

// replayBody wraps a request body so that it can be sent a second time when
// it is an io.Seeker: each attempt reads through a fence that the next
// attempt closes, so a transport still sending the old attempt can never
// read the rewound reader. It never closes the caller's reader.
type replayBody struct {
	r      io.Reader
	seeker io.Seeker
	start  int64
	cur    *fencedReader
}

func newReplayBody(r io.Reader) (*replayBody, error) {
	b := &replayBody{r: r}
	if s, ok := r.(io.Seeker); ok {
		pos, err := s.Seek(0, io.SeekCurrent)
		if err == nil {
			b.seeker, b.start = s, pos
		}
	}
	return b, nil
}

func (b *replayBody) canReplay() bool { return b.seeker != nil }

// attempt returns the reader of a new attempt.
func (b *replayBody) attempt() io.Reader {
	b.cur = &fencedReader{r: b.r}
	return b.cur
}

// rewind fences off the last attempt and seeks back to the start.
func (b *replayBody) rewind() error {
	if b.seeker == nil {
		return errors.New("body is not seekable")
	}
	if b.cur != nil {
		b.cur.fence()
	}
	if _, err := b.seeker.Seek(b.start, io.SeekStart); err != nil {
		return fmt.Errorf("seek body: %w", err)
	}
	return nil
}

// fencedReader reads r until fenced; Close is a no-op for the caller's reader.
type fencedReader struct {
	mu     sync.Mutex
	r      io.Reader
	fenced bool
}

var errFenced = errors.New("request body replaced by a replay")

func (f *fencedReader) Read(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fenced {
		return 0, errFenced
	}
	return f.r.Read(p)
}

func (f *fencedReader) Close() error { return nil }

func (f *fencedReader) fence() {
	f.mu.Lock()
	f.fenced = true
	f.mu.Unlock()
}
