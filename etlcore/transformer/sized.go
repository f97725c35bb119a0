package transformer

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/coder/websocket"

	"github.com/etlbench/etlbench/internal/bufpool"
	"github.com/etlbench/etlbench/internal/ctxio"
)

// Sized is the optional fast form of a Transform whose output is, or can
// be had as, one reader of known length: echo answers with its input
// itself, a digest computes its few bytes first. src is the object (the
// *os.File of etl_fqn, the request body, or the ws data frame) and size its
// length (-1: unknown). It returns the output and its length n (-1:
// unknown); the SDK sends it with Content-Length n and moves it with the
// cheapest copy the OS gives: sendfile when out is the object's local file.
// An error before out is returned gets the error's status, as for a
// Transform. A nil out, returned without reading src, has the Transform do
// this object.
type Sized func(ctx context.Context, req Request, src io.Reader, size int64) (out io.Reader, n int64, err error)

// WithSized has s answer with fn (see Sized) where the result goes back to
// the target: hpush and hpull replies and ws replies. Results that go on to
// a pipeline's next transformer or by direct put stream from the Transform.
// Call it before serving.
func (s *Server) WithSized(fn Sized) *Server {
	s.sized = fn
	return s
}

// callSized runs the sized transform, turning a panic into an error.
func (s *Server) callSized(ctx context.Context, req Request, src io.Reader, size int64) (out io.Reader, n int64, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("transform panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return s.sized(ctx, req, src, size)
}

// replySized answers an hpush or hpull object with the sized transform;
// false when it handed the object back to the Transform. The copy ends when
// ctx does (the connection's deadlines are moved to now); a reply cut short
// aborts the connection, as reply does.
func (s *Server) replySized(ctx context.Context, w http.ResponseWriter, req Request, src io.Reader, size int64, duplex func() func()) bool {
	out, n, err := s.callSized(ctx, req, src, size)
	if err != nil {
		writeErr(w, err)
		return true
	}
	if out == nil {
		return false
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	if n >= 0 {
		h.Set("Content-Length", itoa(n))
	}
	drain := func() {}
	if duplex != nil {
		drain = duplex()
	}
	rc := http.NewResponseController(w)
	stop := context.AfterFunc(ctx, func() {
		now := time.Now()
		_ = rc.SetWriteDeadline(now)
		_ = rc.SetReadDeadline(now)
	})
	w.WriteHeader(http.StatusOK)
	var written int64
	if f, ok := out.(*os.File); ok {
		written, err = io.Copy(w, f) // the response's ReadFrom: sendfile
	} else {
		written, err = bufpool.Copy(w, ctxio.Reader(ctx, out), n)
	}
	if !stop() || err != nil || (n >= 0 && written != n) {
		// Cut short, or at the object timeout (whose deadline may still
		// be on the connection): drop the connection.
		panic(http.ErrAbortHandler)
	}
	drain()
	return true
}

// wsReplySized is replySized for a ws object: one binary message. ok is
// false when the Transform must do the object; alive false when the
// connection must close.
func (s *Server) wsReplySized(ctx, octx context.Context, conn *websocket.Conn, req Request, src io.Reader, size int64, writeErr func(error) bool) (ok, alive bool) {
	out, n, err := s.callSized(octx, req, src, size)
	if err != nil {
		return true, writeErr(err)
	}
	if out == nil {
		return false, true
	}
	wr, err := conn.Writer(ctx, websocket.MessageBinary)
	if err != nil {
		return true, false
	}
	written, err := bufpool.Copy(wr, ctxio.Reader(octx, out), n)
	if err != nil || (n >= 0 && written != n) {
		_ = conn.Close(websocket.StatusInternalError, "reply failed mid-message")
		return true, false
	}
	return true, wr.Close() == nil
}
