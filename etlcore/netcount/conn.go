package netcount

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// conn counts the bytes of one connection into its counter, under its
// class; a server connection's bytes wait in pending until its first
// request says what it is.
type conn struct {
	net.Conn
	c              *Counter
	class          atomic.Int32
	pendRx, pendTx atomic.Int64
	closed         atomic.Bool
}

func newConn(nc net.Conn, c *Counter, cl Class) *conn {
	cn := &conn{Conn: nc, c: c}
	cn.class.Store(int32(cl))
	return cn
}

func (cn *conn) Read(b []byte) (int, error) {
	n, err := cn.Conn.Read(b)
	cn.addRx(int64(n))
	return n, err
}

func (cn *conn) Write(b []byte) (int, error) {
	n, err := cn.Conn.Write(b)
	cn.addTx(int64(n))
	return n, err
}

func (cn *conn) addRx(n int64) {
	if n <= 0 {
		return
	}
	if cl := Class(cn.class.Load()); cl != unclassified {
		cn.c.Add(cl, n, 0)
	} else {
		cn.pendRx.Add(n)
	}
}

func (cn *conn) addTx(n int64) {
	if n <= 0 {
		return
	}
	if cl := Class(cn.class.Load()); cl != unclassified {
		cn.c.Add(cl, 0, n)
	} else {
		cn.pendTx.Add(n)
	}
}

// setClass classifies the connection once and moves its pending bytes.
func (cn *conn) setClass(cl Class) {
	if cn.class.CompareAndSwap(int32(unclassified), int32(cl)) {
		cn.flush(cl)
	}
}

// flush moves the pending bytes (of reads and writes racing with setClass)
// to class cl.
func (cn *conn) flush(cl Class) {
	cn.c.Add(cl, cn.pendRx.Swap(0), cn.pendTx.Swap(0))
}

func (cn *conn) Close() error {
	if !cn.closed.Swap(true) {
		cl := Class(cn.class.Load())
		if cl == unclassified {
			cl = Client // never sent a whole request: a client by default
		}
		cn.flush(cl)
	}
	return cn.Conn.Close()
}

// listener wraps every accepted connection.
type listener struct {
	net.Listener
	c *Counter
}

// Listen wraps ln: the bytes of every connection it accepts are counted,
// under the class that Handler gives its first request.
func (c *Counter) Listen(ln net.Listener) net.Listener { return &listener{Listener: ln, c: c} }

func (l *listener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newConn(nc, l.c, unclassified), nil
}

type connKey struct{}

// ConnContext is the http.Server's ConnContext of a counted listener: it
// makes the connection known to Handler.
func ConnContext(ctx context.Context, nc net.Conn) context.Context {
	if cn, ok := nc.(*conn); ok {
		return context.WithValue(ctx, connKey{}, cn)
	}
	return ctx
}

// Handler classifies the connection of every request (the first request
// decides) with classify, then serves it with h.
func Handler(h http.Handler, classify func(*http.Request) Class) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cn, ok := r.Context().Value(connKey{}).(*conn); ok && Class(cn.class.Load()) == unclassified {
			cn.setClass(classify(r))
		}
		h.ServeHTTP(w, r)
	})
}

// DialContext returns a dial function for an http.Transport whose
// connections are counted under class cl.
func (c *Counter) DialContext(cl Class, d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if d == nil {
		d = &net.Dialer{}
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return newConn(nc, c, cl), nil
	}
}

// Server returns ln wrapped for counting and an http.Server that serves h
// on it, classifying every connection with Classify(etlObjPath).
func (c *Counter) Server(ln net.Listener, h http.Handler, etlObjPath string) (net.Listener, *http.Server) {
	srv := &http.Server{
		Handler:           Handler(h, Classify(etlObjPath)),
		ReadHeaderTimeout: 10 * time.Second,
		ConnContext:       ConnContext,
	}
	return c.Listen(ln), srv
}
