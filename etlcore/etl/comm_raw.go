package etl

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"
)

// rawPool is the hpush/hpull communicator's HTTP/1.1 client for requests
// without a body (the object's file name in etl_fqn, or an hpull GET):
// kept-alive TCP connections of its own, so that a result of known length
// can be moved from the transformer's socket to the client's with splice
// (rawBody.WriteTo), which net/http's client, reading through its own
// buffer, cannot offer. Everything else about a request (statuses, errors,
// replays) is the communicator's, on the *http.Response it returns.
type rawPool struct {
	addr string // host:port of the transformer
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	idle chan *rawConn
}

// rawIdle is how many idle connections a pool keeps: as many as requests
// a target has in flight to one transformer.
const rawIdle = 128

// rawBufSize is a connection's read buffer: a small result with its
// header in one read.
const rawBufSize = 64 << 10

type rawConn struct {
	c     net.Conn // a *net.TCPConn, or a node's counting wrapper of one
	br    *bufio.Reader
	bw    *bufio.Writer
	nread int64 // bytes br has read from c
}

// Read is br's source: c, counted.
func (rc *rawConn) Read(p []byte) (int, error) {
	n, err := rc.c.Read(p)
	rc.nread += int64(n)
	return n, err
}

// newRawPool returns the pool of connections to addr, dialled by dial (nil: a plain dialer).
func newRawPool(addr string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *rawPool {
	if dial == nil {
		d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
		dial = d.DialContext
	}
	return &rawPool{addr: addr, dial: dial, idle: make(chan *rawConn, rawIdle)}
}

// get returns an idle connection (reused true) or dials one.
func (p *rawPool) get(ctx context.Context) (*rawConn, bool, error) {
	select {
	case rc := <-p.idle:
		return rc, true, nil
	default:
	}
	c, err := p.dial(ctx, "tcp", p.addr)
	if err != nil {
		return nil, false, err
	}
	rc := &rawConn{c: c, bw: bufio.NewWriterSize(c, 4<<10)}
	rc.br = bufio.NewReaderSize(rc, rawBufSize)
	return rc, false, nil
}

// put keeps a connection whose last response was read to its end.
func (p *rawPool) put(rc *rawConn) {
	select {
	case p.idle <- rc:
	default:
		rc.c.Close()
	}
}

// closeIdle closes every idle connection.
func (p *rawPool) closeIdle() {
	for {
		select {
		case rc := <-p.idle:
			rc.c.Close()
		default:
			return
		}
	}
}

// roundTrip sends req (which has no body) and reads the response's header.
// A kept-alive connection that the transformer had closed meanwhile (not
// a byte of the answer read) is replaced once; the request is sent again,
// as net/http does with a request on a connection closed while idle. ctx
// ending moves the connection's deadline to now, which fails whatever
// reads or writes it at the time.
func (p *rawPool) roundTrip(ctx context.Context, req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		rc, reused, err := p.get(ctx)
		if err != nil {
			return nil, err
		}
		stop := context.AfterFunc(ctx, func() { _ = rc.c.SetDeadline(time.Unix(1, 0)) })
		read0 := rc.nread
		err = req.Write(rc.bw)
		if err == nil {
			err = rc.bw.Flush()
		}
		var resp *http.Response
		if err == nil {
			resp, err = http.ReadResponse(rc.br, req)
		}
		if err != nil {
			stop()
			rc.c.Close()
			if reused && attempt == 0 && ctx.Err() == nil && rc.nread == read0 && staleConn(err) {
				continue
			}
			return nil, err
		}
		b := &rawBody{p: p, rc: rc, stop: stop, keep: !resp.Close, n: -1, body: resp.Body}
		if resp.ContentLength >= 0 && len(resp.TransferEncoding) == 0 {
			b.n = resp.ContentLength
			b.eof = b.n == 0 // nothing to read: the connection is free at once
		}
		resp.Body = b
		return resp, nil
	}
}

// staleConn reports an error of a kept-alive connection closed by the peer
// before it answered.
func staleConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// rawBody is a response body on a rawPool connection. With a known length
// it reads the connection itself (and WriteTo splices); otherwise
// (chunked, or until close) it reads net/http's body of the response. Close
// gives the connection back to the pool when the body was read to its end.
type rawBody struct {
	p    *rawPool
	rc   *rawConn
	stop func() bool // ends the ctx watch; false if ctx has ended (deadline moved)
	keep bool        // the transformer keeps the connection open
	n    int64       // bytes left with a known length; -1: read body
	body io.ReadCloser
	eof  bool
	done bool
}

func (b *rawBody) Read(p []byte) (int, error) {
	if b.n < 0 {
		k, err := b.body.Read(p)
		if err == io.EOF {
			b.eof = true
		}
		return k, err
	}
	if b.n == 0 {
		b.eof = true
		return 0, io.EOF
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	k, err := b.rc.br.Read(p)
	b.n -= int64(k)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return k, err
}

// WriteTo writes the body to w: what is buffered, then the rest straight
// from the connection, which w's ReadFrom splices when w is (the response
// on) a TCP connection and the connection is one too (netcount's counting
// wrappers let both through).
func (b *rawBody) WriteTo(w io.Writer) (int64, error) {
	if b.n < 0 {
		n, err := io.Copy(w, struct{ io.Reader }{b})
		return n, err
	}
	var total int64
	if k := int64(b.rc.br.Buffered()); k > 0 && b.n > 0 {
		buf, _ := b.rc.br.Peek(int(min(k, b.n)))
		m, err := w.Write(buf)
		_, _ = b.rc.br.Discard(m)
		b.n -= int64(m)
		total += int64(m)
		if err != nil {
			return total, err
		}
	}
	if b.n > 0 {
		lr := &io.LimitedReader{R: b.rc.c, N: b.n}
		m, err := io.Copy(w, lr)
		b.n -= m
		total += m
		if err != nil {
			return total, err
		}
		if b.n > 0 {
			return total, io.ErrUnexpectedEOF
		}
	}
	b.eof = true
	return total, nil
}

// Close ends the body: the connection goes back to the pool if the body was
// read to its end and nothing is left on it, else it is closed.
func (b *rawBody) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	if b.stop() && b.keep && b.eof && b.rc.br.Buffered() == 0 {
		b.p.put(b.rc)
		return nil
	}
	err := b.rc.c.Close()
	if b.n < 0 {
		b.body.Close() // after the connection: it would read the rest
	}
	return err
}
