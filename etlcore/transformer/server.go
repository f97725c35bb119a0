package transformer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// PathHealth is the transformer's readiness endpoint.
const PathHealth = "/health"

// shutdownGrace bounds a graceful shutdown.
const shutdownGrace = 5 * time.Second

// Server serves one Transform over the contract: GET /health, hpush (PUT
// /<bucket>/<obj>), hpull (GET /<escaped uname>) and ws (/ws), with
// etl_fqn, etl_args, direct put and pipeline forwarding. *Server is an
// http.Handler; ListenAndServe (or Serve) runs it on its own listener.
type Server struct {
	cfg    Config
	fn     Transform
	sized  Sized    // optional fast form of fn (WithSized)
	roots  []string // AllowedRoots with symlinks resolved
	client *http.Client

	// base lives as long as the server: ws connections use it, and Close
	// (or the end of ListenAndServe) cancels it.
	base       context.Context
	cancelBase context.CancelFunc
	wsWG       sync.WaitGroup

	mu    sync.Mutex
	addr  string
	ready chan struct{}
}

// NewServer returns a server of t configured by cfg.
func NewServer(cfg Config, t Transform) *Server {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 512
	tr.MaxIdleConnsPerHost = 128
	tr.ResponseHeaderTimeout = 0 // the object timeout (ctx) bounds requests
	base, cancel := context.WithCancel(context.Background())
	return &Server{
		cfg:        cfg,
		fn:         t,
		roots:      resolveRoots(cfg.AllowedRoots),
		client:     &http.Client{Transport: tr},
		base:       base,
		cancelBase: cancel,
		ready:      make(chan struct{}),
	}
}

// Addr is the host:port the server listens on, once it listens ("" before).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Ready is closed once the server listens (Addr is then set).
func (s *Server) Ready() <-chan struct{} { return s.ready }

// ListenAndServe listens on Config.Host:Port and serves until ctx is done,
// then shuts down gracefully (in-flight HTTP requests finish within a few
// seconds, ws connections are closed). It returns nil after a shutdown
// caused by ctx.
func (s *Server) ListenAndServe(ctx context.Context) error {
	host := s.cfg.Host
	if host == "" {
		host = DefaultHost
	}
	port := s.cfg.Port
	if port == "" {
		port = DefaultPort
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return fmt.Errorf("transformer: listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln (and closes it) until ctx is done, like ListenAndServe.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	if s.addr != "" {
		s.mu.Unlock()
		ln.Close()
		return errors.New("transformer: server already serving")
	}
	s.addr = ln.Addr().String()
	close(s.ready)
	s.mu.Unlock()

	srv := &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case err = <-errc:
		err = fmt.Errorf("transformer: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	_ = srv.Shutdown(sctx)
	s.Close()
	return err
}

// Close closes the server's ws connections and waits (a few seconds at
// most) for their handlers; HTTP requests are ended by http.Server's
// Shutdown (or httptest's Close) when the Server is used as a handler.
func (s *Server) Close() {
	s.cancelBase()
	done := make(chan struct{})
	go func() { s.wsWG.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(shutdownGrace):
	}
	s.client.CloseIdleConnections()
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == PathHealth && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "OK")
	case r.URL.Path == api.PathWS && r.Method == http.MethodGet && isUpgrade(r):
		s.serveWS(w, r)
	case r.Method == http.MethodPut:
		s.serveObject(w, r, true)
	case r.Method == http.MethodGet:
		s.serveObject(w, r, false)
	default:
		w.Header().Set("Allow", "GET, PUT")
		http.Error(w, "transformer: method "+r.Method+" not allowed (GET /health, PUT (hpush), GET (hpull), GET /ws)", http.StatusMethodNotAllowed)
	}
}

func isUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// objCtx bounds one object by the configured object timeout.
func (s *Server) objCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.cfg.ObjTimeout > 0 {
		return context.WithTimeout(ctx, s.cfg.ObjTimeout)
	}
	return context.WithCancel(ctx)
}
