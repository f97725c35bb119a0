package transformer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"

	"github.com/coder/websocket"
	"github.com/etlbench/etlbench/etlcore/api"
)

// serveWS handles one ws:// connection: per object a control frame, then
// (without fqn) a data frame; exactly one reply per object, in order.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	conn.SetReadLimit(-1)
	defer conn.CloseNow()
	ctx := r.Context()
	for {
		_, cr, err := conn.Reader(ctx)
		if err != nil {
			return
		}
		b, err := io.ReadAll(io.LimitReader(cr, api.WSMaxCtrlMsgSize+1))
		if err != nil {
			return
		}
		msg, err := api.DecodeWSCtrlMsg(b)
		if err != nil {
			// The stream cannot be trusted any more: say why and close.
			_ = conn.Write(ctx, websocket.MessageText, api.EncodeWSError(http.StatusBadRequest, err.Error()))
			conn.Close(websocket.StatusUnsupportedData, "bad control message")
			return
		}
		if !s.wsObject(ctx, conn, &msg) {
			return
		}
	}
}

// wsObject processes one object; false means the connection must close.
func (s *Server) wsObject(ctx context.Context, conn *websocket.Conn, msg *api.WSCtrlMsg) bool {
	octx := ctx
	if s.cfg.ObjTimeout > 0 {
		var cancel context.CancelFunc
		octx, cancel = context.WithTimeout(ctx, s.cfg.ObjTimeout)
		defer cancel()
	}
	var src io.Reader
	fqn, ferr := msg.LocalFQN()
	if ferr == nil && fqn != "" {
		if err := s.cfg.checkFQN(fqn); err != nil {
			ferr = err
		} else if f, err := os.Open(fqn); err != nil {
			ferr = err
		} else {
			defer f.Close()
			src = f
		}
	}
	if fqn == "" && ferr == nil {
		_, dr, err := conn.Reader(ctx)
		if err != nil {
			return false
		}
		// Whatever the transform leaves unread is drained before the next frame.
		defer io.Copy(io.Discard, dr)
		src = dr
	}
	if ferr != nil {
		return conn.Write(ctx, websocket.MessageText, api.EncodeWSError(http.StatusForbidden, "transformer: "+ferr.Error())) == nil
	}
	req := Request{Path: msg.Path, Args: msg.ETLArgs}
	hops, err := msg.NextHops()
	if err != nil {
		return conn.Write(ctx, websocket.MessageText, api.EncodeWSError(http.StatusBadRequest, err.Error())) == nil
	}
	if len(hops) > 0 {
		d, err := s.deliver(octx, req, "/"+msg.Path, src, hops)
		if err != nil {
			return conn.Write(ctx, websocket.MessageText, api.EncodeWSError(statusOf(err), "transformer: "+err.Error())) == nil
		}
		n := d.length
		if d.resp != nil {
			body, _ := io.ReadAll(io.LimitReader(d.resp.Body, 1<<20))
			d.resp.Body.Close()
			if d.resp.StatusCode >= 400 {
				return conn.Write(ctx, websocket.MessageText, api.EncodeWSError(d.resp.StatusCode, string(bytes.TrimSpace(body)))) == nil
			}
			n, _ = strconv.ParseInt(d.resp.Header.Get(api.HdrDirectPutLength), 10, 64)
		}
		return conn.Write(ctx, websocket.MessageText, api.EncodeWSDirectPut(n)) == nil
	}
	out := s.run(octx, req, src)
	defer out.Close()
	first, perr := peek(out)
	if perr != nil && perr != io.EOF {
		return conn.Write(ctx, websocket.MessageText, api.EncodeWSError(statusOf(perr), "transformer: "+perr.Error())) == nil
	}
	wr, err := conn.Writer(ctx, websocket.MessageBinary)
	if err != nil {
		return false
	}
	if _, err := wr.Write(first); err != nil {
		return false
	}
	if perr != io.EOF {
		if _, err := io.Copy(wr, out); err != nil {
			// A half-sent reply cannot be taken back: close the connection
			// so the target fails this object and redials.
			if errors.Is(err, context.DeadlineExceeded) {
				conn.Close(websocket.StatusInternalError, "object timeout")
			} else {
				conn.Close(websocket.StatusInternalError, "transform failed mid-stream")
			}
			return false
		}
	}
	return wr.Close() == nil
}
