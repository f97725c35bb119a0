package transformer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// Server serves one Transform over the contract: /health, hpush (PUT),
// hpull (GET) and ws (/ws), with etl_fqn, etl_args, direct put and
// pipeline forwarding.
type Server struct {
	cfg    Config
	fn     Transform
	client *http.Client

	mu   sync.Mutex
	addr string
}

// NewServer returns a server of t configured by cfg.
func NewServer(cfg Config, t Transform) *Server {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &Server{cfg: cfg, fn: t, client: &http.Client{Transport: tr}}
}

// Addr is the host:port the server listens on (after ListenAndServe started).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// ListenAndServe serves until ctx is done, then shuts down gracefully.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(s.cfg.Host, s.cfg.Port))
	if err != nil {
		return fmt.Errorf("transformer: listen: %w", err)
	}
	s.mu.Lock()
	s.addr = ln.Addr().String()
	s.mu.Unlock()
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("transformer: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/health" && r.Method == http.MethodGet:
		_, _ = io.WriteString(w, "OK")
	case r.URL.Path == api.PathWS:
		s.serveWS(w, r)
	case r.Method == http.MethodPut:
		s.serveHTTP(w, r, true)
	case r.Method == http.MethodGet:
		s.serveHTTP(w, r, false)
	default:
		http.Error(w, "transformer: method "+r.Method+" not allowed", http.StatusMethodNotAllowed)
	}
}

// statusOf maps a transform error to an HTTP status.
func statusOf(err error) int {
	var se interface{ HTTPStatus() int }
	if errors.As(err, &se) && se.HTTPStatus() >= 400 {
		return se.HTTPStatus()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// serveHTTP handles hpush (PUT /<bck>/<obj>) and hpull (GET /<uname>).
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request, push bool) {
	ctx := r.Context()
	if s.cfg.ObjTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.ObjTimeout)
		defer cancel()
	}
	q := r.URL.Query()
	hops, err := api.SplitPipeline(r.Header.Get(api.HdrNodeURL))
	if err != nil {
		http.Error(w, "transformer: "+err.Error(), http.StatusBadRequest)
		return
	}
	src, err := s.source(ctx, r, push, q.Get(api.QparamETLFQN))
	if err != nil {
		http.Error(w, "transformer: "+err.Error(), statusOf(err))
		return
	}
	defer src.Close()
	req := Request{Path: strings.TrimPrefix(r.URL.Path, "/"), Args: q.Get(api.QparamETLArgs)}
	if len(hops) > 0 {
		res, err := s.deliver(ctx, req, r.URL.EscapedPath(), src, hops)
		if err != nil {
			if de := (*deliverErr)(nil); errors.As(err, &de) && de.transient {
				w.Header().Set(api.HdrETLRetryReason, api.RetryDirectPutTransient)
				http.Error(w, "transformer: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
			http.Error(w, "transformer: "+err.Error(), statusOf(err))
			return
		}
		res.relay(w)
		return
	}
	s.streamTo(ctx, w, req, src)
}

// source opens the object: the request body, the etl_fqn file, or (hpull)
// the object pulled from AIS_TARGET_URL.
func (s *Server) source(ctx context.Context, r *http.Request, push bool, fqn string) (io.ReadCloser, error) {
	if fqn != "" {
		// Targets path-escape the fqn inside the query (as AIStore does).
		if !strings.HasPrefix(fqn, "/") {
			u, err := url.PathUnescape(fqn)
			if err != nil {
				return nil, &httpErr{http.StatusBadRequest, fmt.Errorf("etl_fqn %q: %w", fqn, err)}
			}
			fqn = u
		}
		if err := s.cfg.checkFQN(fqn); err != nil {
			return nil, &httpErr{http.StatusForbidden, err}
		}
		f, err := os.Open(fqn)
		if err != nil {
			return nil, &httpErr{http.StatusNotFound, fmt.Errorf("open etl_fqn: %w", err)}
		}
		return f, nil
	}
	if push {
		return r.Body, nil
	}
	if s.cfg.TargetURL == "" {
		return nil, &httpErr{http.StatusBadRequest, fmt.Errorf("hpull without etl_fqn needs %s", api.EnvTargetURL)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(s.cfg.TargetURL, "/")+r.URL.EscapedPath(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, &httpErr{http.StatusBadGateway, fmt.Errorf("pull object: %w", err)}
	}
	if resp.StatusCode >= 400 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		return nil, &httpErr{resp.StatusCode, fmt.Errorf("pull object: %d %s", resp.StatusCode, strings.TrimSpace(string(b)))}
	}
	return resp.Body, nil
}

type httpErr struct {
	status int
	err    error
}

func (e *httpErr) Error() string   { return e.err.Error() }
func (e *httpErr) Unwrap() error   { return e.err }
func (e *httpErr) HTTPStatus() int { return e.status }

// run starts the transform in a goroutine and returns its output stream;
// the stream ends with the transform's error, if any.
func (s *Server) run(ctx context.Context, req Request, src io.Reader) *io.PipeReader {
	pr, pw := io.Pipe()
	go func() {
		err := s.fn(ctx, req, src, pw)
		pw.CloseWithError(err)
	}()
	return pr
}

// peek reads the first chunk of out so that a transform that fails before
// writing anything can still be answered with an error status.
func peek(out io.Reader) ([]byte, error) {
	buf := make([]byte, 32<<10)
	n, err := io.ReadAtLeast(out, buf, 1)
	if err == io.ErrUnexpectedEOF {
		err = nil
	}
	return buf[:n], err
}

// streamTo answers 200 with the transformed bytes.
func (s *Server) streamTo(ctx context.Context, w http.ResponseWriter, req Request, src io.Reader) {
	out := s.run(ctx, req, src)
	defer out.Close()
	first, err := peek(out)
	if err != nil && err != io.EOF {
		http.Error(w, "transformer: "+err.Error(), statusOf(err))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	if _, werr := w.Write(first); werr != nil {
		return
	}
	if err == io.EOF {
		return
	}
	if _, err := io.Copy(w, out); err != nil {
		// Headers are gone: abort the connection so the truncated body is
		// seen as an error, never as a complete object.
		panic(http.ErrAbortHandler)
	}
}
