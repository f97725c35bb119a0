// Package httpconn is a minimal HTTP/1.1 GET client for load workers: one
// keep-alive connection per host, read and written on the caller's
// goroutine.
package httpconn

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// Conn is a minimal HTTP/1.1 GET client for one load worker: it
// keeps one keep-alive connection per host and reads and writes on the
// caller's goroutine, without the Transport's per-connection goroutines, so
// that a loader's own cost per request stays close to wrk's. It follows
// redirects (proxy -> target, target -> transformer for hpull) and answers
// errors as *api.HTTPError like api.Client.Do. Not safe for concurrent use: one per
// worker. It hands anything but http:// to its api.Client.
type Conn struct {
	c     *api.Client
	conns map[string]*wconn // idle connections by host:port
}

type wconn struct {
	nc   net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
	used bool // served a request before (a failure may be a stale keep-alive)
}

// New returns a Conn that sends c's token, dials with c.Dial (when set)
// and applies c.HTTP.Timeout to every request.
func New(c *api.Client) *Conn {
	return &Conn{c: c, conns: map[string]*wconn{}}
}

// Close closes every idle connection.
func (w *Conn) Close() {
	for h, wc := range w.conns {
		wc.nc.Close()
		delete(w.conns, h)
	}
}

const maxRedirects = 5

// GetObject GETs bck/obj (transformed when opts say so). The caller reads
// the body and closes it; a fully read body returns the connection for
// reuse.
func (w *Conn) GetObject(ctx context.Context, bck, obj string, opts api.GetOpts) (*http.Response, error) {
	u := w.c.Base + api.ObjPath(bck, obj)
	if q := opts.Query(); len(q) > 0 {
		u += "?" + q.Encode()
	}
	if !strings.HasPrefix(u, "http://") {
		return w.c.GetObject(ctx, bck, obj, opts)
	}
	for hop := 0; hop <= maxRedirects; hop++ {
		pu, err := url.Parse(u)
		if err != nil {
			return nil, fmt.Errorf("httpconn: GET %s: %w", u, err)
		}
		if pu.Scheme != "http" {
			return nil, fmt.Errorf("httpconn: GET %s: httpconn speaks http:// only", u)
		}
		resp, err := w.roundTrip(ctx, pu, opts.Range)
		if err != nil {
			return nil, fmt.Errorf("httpconn: GET %s: %w", u, err)
		}
		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
			http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			loc, lerr := resp.Location()
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			if lerr != nil {
				return nil, fmt.Errorf("httpconn: GET %s: redirect without location: %w", u, lerr)
			}
			u = loc.String()
			continue
		}
		if resp.StatusCode >= 400 {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			return nil, api.DecodeErr(resp, b)
		}
		return resp, nil
	}
	return nil, fmt.Errorf("httpconn: GET %s/%s: more than %d redirects", bck, obj, maxRedirects)
}

// roundTrip sends one GET on a kept connection to u's host (a new one
// when none is idle), retrying once on a fresh connection when a reused
// one turns out to be closed by the server.
func (w *Conn) roundTrip(ctx context.Context, u *url.URL, rng string) (*http.Response, error) {
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	for attempt := 0; ; attempt++ {
		wc := w.conns[host]
		if wc != nil {
			delete(w.conns, host) // busy until its body is closed
		} else {
			dial := (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
			if w.c.Dial != nil {
				dial = w.c.Dial
			}
			nc, err := dial(ctx, "tcp", host)
			if err != nil {
				return nil, err
			}
			wc = &wconn{nc: nc, br: bufio.NewReaderSize(nc, 32<<10), bw: bufio.NewWriterSize(nc, 4<<10)}
		}
		resp, err := w.send(ctx, wc, u, host, rng)
		if err == nil {
			return resp, nil
		}
		wc.nc.Close()
		if !wc.used || attempt > 0 || ctx.Err() != nil || !staleConnErr(err) {
			return nil, err
		}
	}
}

// staleConnErr: the server closed a kept connection before answering.
func staleConnErr(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func (w *Conn) send(ctx context.Context, wc *wconn, u *url.URL, host, rng string) (*http.Response, error) {
	deadline := time.Time{}
	if t := w.c.HTTP.Timeout; t > 0 {
		deadline = time.Now().Add(t)
	}
	if d, ok := ctx.Deadline(); ok && (deadline.IsZero() || d.Before(deadline)) {
		deadline = d
	}
	if err := wc.nc.SetDeadline(deadline); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { wc.nc.SetDeadline(time.Unix(1, 0)) })
	bw := wc.bw
	bw.WriteString("GET ")
	bw.WriteString(u.RequestURI())
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(u.Host)
	bw.WriteString("\r\nUser-Agent: etlbench-load\r\n")
	if w.c.Token != "" {
		bw.WriteString(api.HdrAuthorization + ": Bearer " + w.c.Token + "\r\n")
	}
	if rng != "" {
		bw.WriteString("Range: " + rng + "\r\n")
	}
	bw.WriteString("\r\n")
	if err := bw.Flush(); err != nil {
		stop()
		return nil, ctxErr(ctx, err)
	}
	req := &http.Request{Method: http.MethodGet, URL: u, Host: u.Host, Header: http.Header{}}
	resp, err := http.ReadResponse(wc.br, req)
	if err != nil {
		stop()
		return nil, ctxErr(ctx, err)
	}
	wc.used = true
	resp.Body = &wbody{r: resp.Body, w: w, wc: wc, host: host, stop: stop, keep: !resp.Close, ctx: ctx}
	return resp, nil
}

// ctxErr prefers the context's error when it caused err (the deadline
// trick that unblocks a cancelled request).
func ctxErr(ctx context.Context, err error) error {
	if ce := ctx.Err(); ce != nil {
		return fmt.Errorf("%w (%v)", ce, err)
	}
	return err
}

// wbody returns its connection to the Conn when read to the end
// and closed.
type wbody struct {
	r    io.ReadCloser
	w    *Conn
	wc   *wconn
	host string
	stop func() bool
	keep bool
	ctx  context.Context
	done bool
}

func (b *wbody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = ctxErr(b.ctx, err)
	}
	return n, err
}

func (b *wbody) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	// Closing a response body read by http.ReadResponse drains what is
	// left, so without an error the connection is at the next response.
	err := b.r.Close()
	cancelled := !b.stop()
	if b.keep && !cancelled && err == nil && b.w.conns[b.host] == nil {
		b.w.conns[b.host] = b.wc
		return nil
	}
	b.wc.nc.Close()
	return nil
}
