package transformer

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/bufpool"
)

// serveObject handles hpush (PUT /<bucket>/<obj>: the body, or etl_fqn) and
// hpull (GET /<escaped uname>: etl_fqn, or the object pulled from
// AIS_TARGET_URL); the result goes back in the reply or, with
// Ais-Node-Url, to the next hop.
func (s *Server) serveObject(w http.ResponseWriter, r *http.Request, push bool) {
	escPath := rawPath(r)
	objPath := strings.TrimPrefix(r.URL.Path, "/")
	if objPath == "" {
		http.Error(w, "transformer: "+r.Method+" needs an object path: /<bucket>/<object>", http.StatusBadRequest)
		return
	}
	ctx, cancel := s.objCtx(r.Context())
	defer cancel()
	q := r.URL.Query()
	hops, err := api.SplitPipeline(r.Header.Get(api.HdrNodeURL))
	if err != nil {
		writeErr(w, errStatus(http.StatusBadRequest, "%s: %v", api.HdrNodeURL, err))
		return
	}
	src, size, err := s.source(ctx, r, push, escPath, q)
	if err != nil {
		writeErr(w, err)
		return
	}
	defer src.Close()
	var duplex func() (drain func())
	if push && src == r.Body {
		duplex = func() func() { return fullDuplex(w, r) }
	}
	req := Request{Path: objPath, Args: q.Get(api.QparamETLArgs)}
	if len(hops) > 0 {
		d, err := s.deliver(ctx, req, escPath, src, hops)
		if err != nil {
			writeErr(w, err)
			return
		}
		d.writeHTTP(w, duplex)
		return
	}
	if s.sized != nil && s.replySized(ctx, w, req, src, size, duplex) {
		return
	}
	s.reply(ctx, w, req, src, duplex)
}

// fullDuplex lets a reply stream out while the transform still reads the
// request body (hpush). Without it Go's HTTP/1 server, on the reply's first
// bytes, discards up to 256 KiB of the unread body (the transform then sees
// a truncated object) or marks the connection to be closed. Call it just
// before the reply's status is written, and the returned drain once the
// reply is complete: it reads what the transform left of the body while the
// handler still runs (net/http cannot drain a full-duplex body safely after
// the handler returns).
func fullDuplex(w http.ResponseWriter, r *http.Request) (drain func()) {
	if err := http.NewResponseController(w).EnableFullDuplex(); err != nil {
		return func() {}
	}
	return func() { _, _ = io.Copy(io.Discard, r.Body) }
}

// rawPath is the request's path exactly as the client escaped it.
func rawPath(r *http.Request) string {
	p := r.RequestURI
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if !strings.HasPrefix(p, "/") { // absolute-form or empty: rebuild
		p = r.URL.EscapedPath()
	}
	return p
}

// source opens the object to transform and returns it with its length (-1: unknown).
func (s *Server) source(ctx context.Context, r *http.Request, push bool, escPath string, q map[string][]string) (io.ReadCloser, int64, error) {
	if fqns, ok := q[api.QparamETLFQN]; ok {
		if len(fqns) != 1 || fqns[0] == "" {
			return nil, 0, errStatus(http.StatusBadRequest, "%s: want exactly one non-empty value", api.QparamETLFQN)
		}
		return s.openFQN(fqns[0])
	}
	if push {
		return r.Body, r.ContentLength, nil
	}
	return s.pull(ctx, escPath)
}

// pull GETs the object from the target: $AIS_TARGET_URL + the request's escaped path.
func (s *Server) pull(ctx context.Context, escPath string) (io.ReadCloser, int64, error) {
	if s.cfg.TargetURL == "" {
		return nil, 0, errStatus(http.StatusBadRequest, "hpull without %s needs env %s", api.QparamETLFQN, api.EnvTargetURL)
	}
	u := strings.TrimRight(s.cfg.TargetURL, "/") + escPath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, errStatus(http.StatusBadRequest, "pull %s: %v", u, err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, errStatus(http.StatusGatewayTimeout, "pull %s: %v", u, ctx.Err())
		}
		return nil, 0, errStatus(http.StatusBadGateway, "pull %s: %v", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		st := resp.StatusCode
		if st < 400 {
			st = http.StatusBadGateway
		}
		return nil, 0, errStatus(st, "pull %s: %s: %s", u, resp.Status, strings.TrimSpace(string(b)))
	}
	return resp.Body, resp.ContentLength, nil
}

// reply streams the transformed bytes back with 200. A transform that fails
// before its first byte gets an error reply; one that fails later aborts
// the connection, so the truncated body is never taken for a whole object.
// duplex, when not nil, is called before a streamed reply (see fullDuplex).
func (s *Server) reply(ctx context.Context, w http.ResponseWriter, req Request, src io.Reader, duplex func() func()) {
	bp := bufpool.Get(-1) // the first chunk, then the copy's buffer
	defer bufpool.Put(bp)
	j, first, complete, err := s.startPeeked(ctx, req, src, *bp)
	if err != nil {
		writeErr(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if complete {
		if err := j.wait(); err != nil { // cannot happen: EOF means success
			writeErr(w, err)
			return
		}
		w.Header().Set("Content-Length", itoa(int64(len(first))))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(first)
		return
	}
	drain := func() {}
	if duplex != nil {
		drain = duplex()
	}
	w.WriteHeader(http.StatusOK)
	_, werr := w.Write(first)
	if werr == nil {
		_, werr = bufpool.CopyWith(w, j.out, *bp)
	}
	if err := j.stop(); err != nil || werr != nil {
		panic(http.ErrAbortHandler) // net/http closes the connection mid-body
	}
	drain()
}
