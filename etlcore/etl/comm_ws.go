package etl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/etlbench/etlbench/etlcore/api"
)

// The ws:// communicator keeps a pool of WebSocket connections to
// <transformer>/ws. Per object it sends a binary control frame (api.WSCtrlMsg)
// and, unless the transformer reads the local file, a binary data frame
// streamed from the request body. A connection carries one object at a time:
// the next object goes out only when the reply to the last one has been
// read, so a reply can only belong to the object outstanding. (The ws
// contract has no request id: with several objects in flight on one
// connection, a transformer answering out of order would hand its results
// to the wrong objects, undetected. With one, such a transformer stalls and
// fails at obj_timeout.) Concurrency comes from the pool instead: it starts
// with CommOpts.WSConns connections, dials more on demand up to
// CommOpts.WSMaxConns, and a request finding them all busy waits for one
// (within its obj_timeout). A reader goroutine per connection hands each
// reply to the request outstanding:
//   - binary reply: the result, streamed to the caller (the reader waits
//     until the caller has read or closed it before reading the next reply);
//   - text reply: delivered by direct put, or an error frame (api.ParseWSText);
//   - a reply with no request outstanding: the connection is dropped.
//
// Better than AIStore: obj_timeout applies (a request that times out closes
// its connection, which can then never be out of step, and is redialled by
// a later request); a broken connection fails its request at once; a
// request not yet sent moves to another connection.

// wsComm is the ws:// communicator.
type wsComm struct {
	base   string // http://host:port of the transformer
	wsURL  string // base + /ws
	opts   CommOpts
	slots  []*wsSlot       // WSMaxConns places for a connection
	busy   chan struct{}   // one token per slot in use: a full channel means wait
	ctx    context.Context // ends when the communicator is closed
	cancel context.CancelFunc
}

// wsSlot holds one place of the pool: its connection (nil or closed: dial
// on next use) and whether a request holds it.
type wsSlot struct {
	mu    sync.Mutex // serializes dialling
	c     atomic.Pointer[wsConn]
	inUse atomic.Bool
}

// live returns the slot's connection if it is open.
func (s *wsSlot) live() *wsConn {
	if c := s.c.Load(); c != nil && !c.isClosed() {
		return c
	}
	return nil
}

// maxNotSentRetries bounds how often a request that was never sent moves to
// another connection.
const maxNotSentRetries = 3

var wsBufPool = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

func newWSComm(base string, opts CommOpts) *wsComm {
	n := max(opts.WSMaxConns, opts.WSConns)
	w := &wsComm{base: base, wsURL: base + api.PathWS, opts: opts, slots: make([]*wsSlot, n), busy: make(chan struct{}, n)}
	for i := range w.slots {
		w.slots[i] = &wsSlot{}
	}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	return w
}

// Connect dials the first WSConns connections of the pool.
func (w *wsComm) Connect(ctx context.Context) error {
	for i := range min(w.opts.WSConns, len(w.slots)) {
		s := w.slots[i]
		if !s.inUse.CompareAndSwap(false, true) {
			continue
		}
		_, err := w.slotConn(ctx, i)
		s.inUse.Store(false)
		if err != nil {
			return err
		}
	}
	return nil
}

// Close closes every connection; in-flight requests fail.
func (w *wsComm) Close() error {
	w.cancel()
	for _, s := range w.slots {
		if c := s.c.Load(); c != nil {
			c.close(errors.New("communicator closed"))
		}
	}
	return nil
}

// acquire reserves a slot for one request and returns it with its
// connection: an idle open connection if there is one, else a slot to dial
// (or, when every slot is in use, the first to be released). release must
// follow.
func (w *wsComm) acquire(ctx context.Context) (int, *wsConn, error) {
	if w.ctx.Err() != nil {
		return -1, nil, &ObjError{Class: ClassConnection, Msg: "ws communicator to " + w.base + " is closed"}
	}
	select {
	case w.busy <- struct{}{}:
	default:
		select {
		case w.busy <- struct{}{}:
		case <-ctx.Done():
			return -1, nil, connErr(ctx, fmt.Sprintf("ws: waiting for one of the %d connections to %s", len(w.slots), w.wsURL),
				w.opts.ObjTimeout, context.Cause(ctx))
		case <-w.ctx.Done():
			return -1, nil, &ObjError{Class: ClassConnection, Msg: "ws communicator to " + w.base + " is closed"}
		}
	}
	// Holding a token, at least one slot is free (or about to be freed by
	// a holder that has not reserved yet).
	for {
		for i, s := range w.slots { // an idle open connection, lowest first
			if s.live() != nil && s.inUse.CompareAndSwap(false, true) {
				if c := s.live(); c != nil {
					return i, c, nil
				}
				s.inUse.Store(false)
			}
		}
		for i, s := range w.slots { // else a place to dial
			if s.inUse.CompareAndSwap(false, true) {
				c, err := w.slotConn(ctx, i)
				if err != nil {
					w.release(i)
					return -1, nil, err
				}
				return i, c, nil
			}
		}
		if ctx.Err() != nil {
			<-w.busy
			return -1, nil, connErr(ctx, "ws: waiting for a connection to "+w.wsURL, w.opts.ObjTimeout, context.Cause(ctx))
		}
		runtime.Gosched()
	}
}

// release frees slot i for the next request.
func (w *wsComm) release(i int) {
	w.slots[i].inUse.Store(false)
	<-w.busy
}

// slotConn returns slot i's connection, dialling it if needed.
func (w *wsComm) slotConn(ctx context.Context, i int) (*wsConn, error) {
	s := w.slots[i]
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.live(); c != nil {
		return c, nil
	}
	conn, _, err := websocket.Dial(ctx, w.wsURL, &websocket.DialOptions{HTTPClient: w.opts.HTTPClient})
	if err != nil {
		return nil, connErr(ctx, "ws dial "+w.wsURL, w.opts.ObjTimeout, err)
	}
	conn.SetReadLimit(-1) // replies are streamed: any size
	c := &wsConn{comm: w, slot: i, conn: conn, sendSem: make(chan struct{}, 1)}
	c.ctx, c.cancel = context.WithCancel(w.ctx)
	s.c.Store(c)
	go c.readLoop()
	return c, nil
}

// Do sends one object over the pool.
func (w *wsComm) Do(ctx context.Context, req *ObjRequest) (*ObjResult, error) {
	if err := validateReq(req); err != nil {
		return nil, err
	}
	what := fmt.Sprintf("ws %s/%s", req.Bck, req.ObjName)
	octx, cancel := withObjTimeout(ctx, w.opts.ObjTimeout)
	defer cancel()
	var deadline time.Time
	if w.opts.ObjTimeout > 0 {
		deadline = time.Now().Add(w.opts.ObjTimeout)
	}
	for attempt := 0; ; attempt++ {
		slot, c, err := w.acquire(octx)
		if err != nil {
			var oe *ObjError
			if errors.As(err, &oe) && oe.Class == ClassTimeout {
				oe.Msg = what + ": " + oe.Msg
			}
			return nil, err
		}
		call := newWSCall(c, slot, req, what)
		res, err, notSent := call.run(ctx, deadline)
		if notSent && attempt < maxNotSentRetries && ctx.Err() == nil {
			continue
		}
		return res, err
	}
}

// wsConn is one connection of the pool.
type wsConn struct {
	comm    *wsComm
	slot    int
	conn    *websocket.Conn
	ctx     context.Context // ends when the connection is closed
	cancel  context.CancelFunc
	sendSem chan struct{} // one object sent at a time

	mu       sync.Mutex
	fifo     []*wsCall // sent (or being sent), awaiting their reply, in wire order
	closeErr error
}

func (c *wsConn) isClosed() bool { return c.ctx.Err() != nil }

// reason returns why the connection was closed.
func (c *wsConn) reason() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeErr
}

// close closes the connection (once) and fails every request waiting for a
// reply on it.
func (c *wsConn) close(why error) {
	c.mu.Lock()
	if c.closeErr != nil {
		c.mu.Unlock()
		return
	}
	c.closeErr = why
	fifo := c.fifo
	c.fifo = nil
	c.mu.Unlock()
	c.cancel()
	_ = c.conn.CloseNow()
	for _, call := range fifo {
		// A request whose control message had not gone out when the
		// connection closed under it (a reader saw the transformer drop it)
		// left nothing behind, its body untouched: it may go to another
		// connection.
		call.deliver(wsOutcome{err: call.connErr(nil), notSent: !call.ctrlSent.Load() && !call.timedOut.Load()})
	}
}

// push appends call to the FIFO; false if the connection is closed.
func (c *wsConn) push(call *wsCall) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeErr != nil {
		return false
	}
	c.fifo = append(c.fifo, call)
	return true
}

// pop removes the request at the head of the FIFO.
func (c *wsConn) pop() *wsCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.fifo) == 0 {
		return nil
	}
	call := c.fifo[0]
	c.fifo[0] = nil
	c.fifo = c.fifo[1:]
	return call
}

// readLoop hands each reply to the request at the head of the FIFO.
func (c *wsConn) readLoop() {
	for {
		typ, r, err := c.conn.Reader(c.ctx)
		if err != nil {
			c.close(fmt.Errorf("ws connection to %s lost: %w", c.comm.wsURL, err))
			return
		}
		call := c.pop()
		if call == nil {
			c.close(fmt.Errorf("ws connection to %s: the transformer sent a reply with no object outstanding", c.comm.wsURL))
			return
		}
		if typ == websocket.MessageText {
			b, err := io.ReadAll(io.LimitReader(r, maxErrBody))
			if err == nil {
				_, err = io.Copy(io.Discard, r)
			}
			if err != nil {
				call.deliver(wsOutcome{err: call.connErr(err)})
				c.close(fmt.Errorf("ws connection to %s: read reply: %w", c.comm.wsURL, err))
				return
			}
			call.replyDone.Store(true)
			n, msg, status, isErr := api.ParseWSText(b)
			if isErr {
				call.deliver(wsOutcome{err: &ObjError{Class: answerClass(status), Status: status, Msg: call.what + ": " + msg}})
			} else {
				call.deliver(wsOutcome{res: &ObjResult{DirectPut: true, DirectPutLength: n}})
			}
			continue
		}
		body := &wsBody{call: call, r: r, done: make(chan struct{})}
		if call.deliver(wsOutcome{res: &ObjResult{Body: body, Size: -1, DirectPutLength: -1}}) {
			select {
			case <-body.done:
			case <-c.ctx.Done():
				return
			}
			if body.eof.Load() {
				continue
			}
		}
		// abandoned, or closed before its end: skip the rest of the reply
		if _, err := io.Copy(io.Discard, r); err != nil {
			c.close(fmt.Errorf("ws connection to %s: skip reply: %w", c.comm.wsURL, err))
			return
		}
	}
}

// send writes call's control frame and data frame, in FIFO order.
func (c *wsConn) send(call *wsCall) {
	defer close(call.sent)
	select {
	case c.sendSem <- struct{}{}:
	case <-c.ctx.Done():
		call.deliver(wsOutcome{notSent: true, err: call.connErr(nil)})
		return
	case <-call.gaveUp:
		return
	}
	defer func() { <-c.sendSem }()
	if !call.sending.CompareAndSwap(sendIdle, sendStarted) { // the caller left while we waited
		return
	}
	if !c.push(call) {
		call.deliver(wsOutcome{notSent: true, err: call.connErr(nil)})
		return
	}
	req := call.req
	ctrl, err := api.EncodeWSCtrlMsg(&api.WSCtrlMsg{
		Path:     req.ObjName,
		FQN:      fqnField(req.FQN),
		ETLArgs:  req.Args,
		Pipeline: strings.Join(req.NodeURLs, api.WSPipelineSep),
	})
	if err == nil {
		err = c.conn.Write(c.ctx, websocket.MessageBinary, ctrl)
	}
	if err == nil {
		call.ctrlSent.Store(true)
	}
	if err != nil {
		c.close(fmt.Errorf("ws connection to %s: send control message of %s: %w", c.comm.wsURL, call.what, err))
		return
	}
	if req.FQN != "" {
		return
	}
	wr, err := c.conn.Writer(c.ctx, websocket.MessageBinary)
	if err != nil {
		c.close(fmt.Errorf("ws connection to %s: send %s: %w", c.comm.wsURL, call.what, err))
		return
	}
	if req.Body != nil {
		bp := wsBufPool.Get().(*[]byte)
		src := &errReader{r: req.Body}
		_, err = io.CopyBuffer(wr, src, *bp)
		wsBufPool.Put(bp)
		if src.err != nil { // the object could not be read: the frame cannot be finished
			call.deliver(wsOutcome{err: fmt.Errorf("%s: read object: %w", call.what, src.err)})
			c.close(fmt.Errorf("ws connection to %s: abandoned while sending %s (read error)", c.comm.wsURL, call.what))
			return
		}
	}
	if err == nil {
		err = wr.Close()
	}
	if err != nil {
		c.close(fmt.Errorf("ws connection to %s: send %s: %w", c.comm.wsURL, call.what, err))
	}
}

func fqnField(fqn string) string {
	if fqn == "" {
		return ""
	}
	return api.EscapeFQN(fqn)
}

// errReader remembers the error of the reader it wraps.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// wsCall is one request on one connection.
type wsCall struct {
	c      *wsConn
	slot   int // the pool slot this request holds until finish
	req    *ObjRequest
	what   string
	res    chan wsOutcome // one outcome, buffered
	sent   chan struct{}  // closed when send is done with req.Body
	gaveUp chan struct{}  // closed when the caller stopped waiting
	state  atomic.Int32   // callWaiting -> callDelivered | callAbandoned
	// sending: sendIdle -> sendStarted (by send) | sendCanceled (by the caller)
	sending atomic.Int32

	ctrlSent  atomic.Bool // the control message went out (the body may follow)
	replyDone atomic.Bool // the reply has been read (or skipped)
	timedOut  atomic.Bool
	timer     *time.Timer
	finOnce   sync.Once
}

const (
	callWaiting int32 = iota
	callDelivered
	callAbandoned
)

const (
	sendIdle int32 = iota
	sendStarted
	sendCanceled
)

type wsOutcome struct {
	res     *ObjResult
	err     error
	notSent bool // the request never left: it may go to another connection
}

func newWSCall(c *wsConn, slot int, req *ObjRequest, what string) *wsCall {
	return &wsCall{c: c, slot: slot, req: req, what: what, res: make(chan wsOutcome, 1),
		sent: make(chan struct{}), gaveUp: make(chan struct{})}
}

// deliver hands the outcome to the caller; false if the caller left.
func (call *wsCall) deliver(o wsOutcome) bool {
	if !call.state.CompareAndSwap(callWaiting, callDelivered) {
		return false
	}
	call.res <- o
	return true
}

// run sends the request and waits for its outcome.
func (call *wsCall) run(ctx context.Context, deadline time.Time) (*ObjResult, error, bool) {
	if !deadline.IsZero() {
		call.timer = time.AfterFunc(time.Until(deadline), call.onTimeout)
	}
	go call.c.send(call)
	select {
	case o := <-call.res:
		if o.res != nil && o.res.Body != nil {
			return o.res, nil, false // finished by the body's Close
		}
		<-call.sent // never return while the body may still be read
		call.finish()
		return o.res, o.err, o.notSent
	case <-ctx.Done():
	}
	if !call.state.CompareAndSwap(callWaiting, callAbandoned) {
		o := <-call.res // delivered meanwhile: release it
		if o.res != nil && o.res.Body != nil {
			o.res.Body.Close()
		}
	}
	close(call.gaveUp)
	if !call.sending.CompareAndSwap(sendIdle, sendCanceled) {
		select {
		case <-call.sent:
			if !call.replyDone.Load() { // its reply would hold up the connection: drop it
				call.c.close(fmt.Errorf("ws connection to %s: request %s canceled awaiting its reply", call.c.comm.wsURL, call.what))
			}
		default: // still sending the body, which the caller may now reuse: drop the connection
			call.c.close(fmt.Errorf("ws connection to %s: request %s canceled while being sent", call.c.comm.wsURL, call.what))
		}
	}
	<-call.sent
	call.finish()
	return nil, fmt.Errorf("%s: %w", call.what, context.Cause(ctx)), false
}

// onTimeout fails a request that is not complete at its deadline by closing
// its connection (the only way to stay in step with the transformer).
func (call *wsCall) onTimeout() {
	select {
	case <-call.sent:
		if call.replyDone.Load() {
			return
		}
	default:
	}
	call.timedOut.Store(true)
	call.c.close(fmt.Errorf("ws connection to %s closed: %s timed out (obj_timeout %v)",
		call.c.comm.wsURL, call.what, call.c.comm.opts.ObjTimeout))
}

// finish ends the request: stops its timer and frees its place in the pool.
func (call *wsCall) finish() {
	call.finOnce.Do(func() {
		if call.timer != nil {
			call.timer.Stop()
		}
		call.c.comm.release(call.slot)
	})
}

// connErr is the error of a request whose connection broke (err: the read
// error, if any): a timeout if it was this request's deadline.
func (call *wsCall) connErr(err error) error {
	if call.timedOut.Load() {
		return &ObjError{Class: ClassTimeout, Status: http.StatusGatewayTimeout, Err: context.DeadlineExceeded,
			Msg: fmt.Sprintf("%s: no complete answer within obj_timeout %v", call.what, call.c.comm.opts.ObjTimeout)}
	}
	if why := call.c.reason(); why != nil {
		err = why
	}
	return &ObjError{Class: ClassConnection, Msg: call.what + ": ws connection failed", Err: err}
}

// wsBody streams a binary reply to the caller.
type wsBody struct {
	call     *wsCall
	r        io.Reader
	mu       sync.Mutex
	closed   bool
	eof      atomic.Bool
	done     chan struct{} // the reader goroutine may move on
	doneOnce sync.Once
}

var errBodyClosed = errors.New("etl: read of a closed result body")

func (b *wsBody) signal() { b.doneOnce.Do(func() { close(b.done) }) }

func (b *wsBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, errBodyClosed
	}
	if b.eof.Load() {
		return 0, io.EOF
	}
	n, err := b.r.Read(p)
	switch {
	case err == io.EOF:
		b.eof.Store(true)
		b.call.replyDone.Store(true)
		b.signal()
	case err != nil:
		// The connection broke mid-reply: close it now, before the caller
		// can release its place in the pool, so that no next request is
		// sent on it.
		c := b.call.c
		c.close(fmt.Errorf("ws connection to %s: read reply of %s: %w", c.comm.wsURL, b.call.what, err))
		err = b.call.connErr(err)
	}
	return n, err
}

// Close ends the request: the rest of an unread reply is skipped.
func (b *wsBody) Close() error {
	b.mu.Lock()
	first := !b.closed
	b.closed = true
	b.mu.Unlock()
	if !first {
		return nil
	}
	b.call.replyDone.Store(true)
	b.signal()
	<-b.call.sent // bounded by obj_timeout, which closes the connection
	b.call.finish()
	return nil
}
