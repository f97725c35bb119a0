package transformer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/coder/websocket"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/bufpool"
)

// serveWS handles one ws:// connection: per object a control frame (JSON
// api.WSCtrlMsg; binary, or text from older clients), then, only when its
// fqn is empty, a binary data frame; exactly one reply per object, in
// order: a binary frame (the result), a text frame with the direct-put
// length, or an error text frame (api.EncodeWSError). Objects of one
// connection are processed in order; connections run in parallel. The
// data frame is streamed into the transform and the result streamed out,
// so the target must read replies while it sends (AIStore does).
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	s.wsWG.Add(1)
	defer s.wsWG.Done()
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return // Accept has answered the HTTP request
	}
	conn.SetReadLimit(-1) // data frames are objects of any size
	defer conn.CloseNow()
	// Connection operations use the server's context: canceling it (at
	// shutdown) closes the connection. Objects get their own timeout.
	ctx := s.base
	for {
		_, cr, err := conn.Reader(ctx)
		if err != nil {
			return // closed by the peer or by shutdown
		}
		b, err := io.ReadAll(io.LimitReader(cr, api.WSMaxCtrlMsgSize+1))
		if err != nil {
			return
		}
		msg, err := api.DecodeWSCtrlMsg(b)
		if err != nil {
			if !s.wsRejectObject(ctx, conn, b, err) {
				return
			}
			continue
		}
		if !s.wsObject(ctx, conn, &msg) {
			return
		}
	}
}

// wsRejectObject answers a control message that DecodeWSCtrlMsg refused.
// When it is still well-formed JSON (a bad fqn or pipeline), whether a data
// frame follows is known: drain it, reply with the error and go on. Otherwise
// the stream cannot be trusted any more: reply, close, and return false.
func (s *Server) wsRejectObject(ctx context.Context, conn *websocket.Conn, b []byte, derr error) bool {
	var loose api.WSCtrlMsg
	if json.Unmarshal(b, &loose) != nil {
		_ = conn.Write(ctx, websocket.MessageText, api.EncodeWSError(http.StatusBadRequest, message(derr)))
		_ = conn.Close(websocket.StatusUnsupportedData, "bad control message")
		return false
	}
	if loose.FQN == "" {
		_, dr, err := conn.Reader(ctx)
		if err != nil {
			return false
		}
		if _, err := io.Copy(io.Discard, dr); err != nil {
			return false
		}
	}
	return conn.Write(ctx, websocket.MessageText, api.EncodeWSError(http.StatusBadRequest, message(derr))) == nil
}

// wsObject processes one object; false means the connection must close.
func (s *Server) wsObject(ctx context.Context, conn *websocket.Conn, msg *api.WSCtrlMsg) bool {
	octx, cancel := s.objCtx(ctx)
	defer cancel()
	var (
		src  io.Reader
		size int64     = -1
		data io.Reader // the data frame, drained before the next request
		ferr error
	)
	if msg.FQN != "" {
		f, n, err := s.openFQN(msg.FQN)
		if err != nil {
			ferr = err
		} else {
			defer f.Close()
			src, size = f, n
		}
	} else {
		_, dr, err := conn.Reader(ctx)
		if err != nil {
			return false
		}
		src, data = dr, dr
	}
	ok := s.wsReply(ctx, octx, conn, msg, src, size, ferr)
	if ok && data != nil {
		if _, err := io.Copy(io.Discard, data); err != nil {
			return false
		}
	}
	return ok
}

// wsReply transforms src (unless ferr) and writes the one reply.
func (s *Server) wsReply(ctx, octx context.Context, conn *websocket.Conn, msg *api.WSCtrlMsg, src io.Reader, size int64, ferr error) bool {
	writeErr := func(err error) bool {
		status, text := statusOf(err), message(err)
		if isTransient(err) {
			text = api.RetryDirectPutTransient + ": " + text
		}
		return conn.Write(ctx, websocket.MessageText, api.EncodeWSError(status, text)) == nil
	}
	if ferr != nil {
		return writeErr(ferr)
	}
	hops, err := msg.NextHops()
	if err != nil {
		return writeErr(errStatus(http.StatusBadRequest, "pipeline: %v", err))
	}
	req := Request{Path: strings.TrimPrefix(msg.Path, "/"), Args: msg.ETLArgs}
	if len(hops) > 0 {
		d, err := s.deliver(octx, req, "/"+api.EscapeObjName(req.Path), src, hops)
		if err != nil {
			return writeErr(err)
		}
		return s.wsRelay(ctx, conn, d, writeErr)
	}
	if s.sized != nil {
		if ok, alive := s.wsReplySized(ctx, octx, conn, req, src, size, writeErr); ok {
			return alive
		}
	}
	bp := bufpool.Get(-1) // the first chunk, then the copy's buffer
	defer bufpool.Put(bp)
	j, first, complete, err := s.startPeeked(octx, req, src, *bp)
	if err != nil {
		return writeErr(err)
	}
	wr, err := conn.Writer(ctx, websocket.MessageBinary)
	if err != nil {
		j.stop()
		return false
	}
	_, werr := wr.Write(first)
	if werr == nil && !complete {
		_, werr = bufpool.CopyWith(wr, j.out, *bp)
	}
	if terr := j.stop(); terr != nil || werr != nil {
		// A half-sent reply cannot be taken back: close the connection so
		// the target fails this object (and redials).
		reason := "transform failed mid-reply"
		if errors.Is(terr, context.DeadlineExceeded) {
			reason = "object timeout mid-reply"
		}
		_ = conn.Close(websocket.StatusInternalError, reason)
		return false
	}
	return wr.Close() == nil
}

// wsRelay replies for a delivered result: a direct put's length, or the next
// transformer's answer (bytes, direct-put length, or error).
func (s *Server) wsRelay(ctx context.Context, conn *websocket.Conn, d *delivery, writeErr func(error) bool) bool {
	if d.resp == nil {
		return conn.Write(ctx, websocket.MessageText, api.EncodeWSDirectPut(d.n)) == nil
	}
	resp := d.resp
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNoContent:
		n, err := strconv.ParseInt(resp.Header.Get(api.HdrDirectPutLength), 10, 64)
		if err != nil || n < 0 {
			n = d.n
		}
		return conn.Write(ctx, websocket.MessageText, api.EncodeWSDirectPut(n)) == nil
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		wr, err := conn.Writer(ctx, websocket.MessageBinary)
		if err != nil {
			return false
		}
		if _, err := io.Copy(wr, resp.Body); err != nil {
			_ = conn.Close(websocket.StatusInternalError, "pipeline reply failed mid-stream")
			return false
		}
		return wr.Close() == nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	err := errStatus(resp.StatusCode, "pipeline: next transformer: %s: %s", resp.Status, bodyMessage(b))
	if resp.Header.Get(api.HdrETLRetryReason) == api.RetryDirectPutTransient {
		err = &transientError{err: err}
	}
	return writeErr(err)
}

// bodyMessage extracts the message of an error body (plain text or JSON).
func bodyMessage(b []byte) string {
	b = bytes.TrimSpace(b)
	var eb struct {
		Message string `json:"message"`
		Detail  string `json:"detail"`
		Error   string `json:"error"`
	}
	if len(b) > 0 && b[0] == '{' && json.Unmarshal(b, &eb) == nil {
		for _, m := range []string{eb.Message, eb.Detail, eb.Error} {
			if m != "" {
				return m
			}
		}
	}
	return fmt.Sprintf("%s", b)
}
