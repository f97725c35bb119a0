package netcount

import (
	"io"
	"net"
)

// ReadFrom lets the wrapped connection's own ReadFrom move the bytes, so
// that counting keeps the kernel's zero-copy paths: sendfile from a file
// (a plain GET through net/http's response) and splice from a TCP
// connection. A source that is itself a counted connection, or an
// io.LimitedReader over one, is unwrapped for the kernel, and the bytes are
// counted as read on it too.
func (cn *conn) ReadFrom(r io.Reader) (int64, error) {
	rf, ok := cn.Conn.(io.ReaderFrom)
	if !ok {
		return io.Copy(writerOnly{cn}, r)
	}
	var from *conn
	src := r
	var lr *io.LimitedReader
	switch v := r.(type) {
	case *conn:
		from, src = v, v.Conn
	case *io.LimitedReader:
		if c, ok := v.R.(*conn); ok {
			from = c
			lr = &io.LimitedReader{R: c.Conn, N: v.N}
			src = lr
		}
	}
	n, err := rf.ReadFrom(src)
	cn.addTx(n)
	if from != nil {
		from.addRx(n)
	}
	if lr != nil {
		r.(*io.LimitedReader).N = lr.N
	}
	return n, err
}

// writerOnly hides a writer's ReadFrom (no recursion into conn.ReadFrom).
type writerOnly struct{ io.Writer }

var _ io.ReaderFrom = (*conn)(nil)
var _ net.Conn = (*conn)(nil)
