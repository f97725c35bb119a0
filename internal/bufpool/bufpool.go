// Package bufpool holds the copy buffers of the object data path, pooled
// and sized to the object: a buffer holds a small object whole (one read,
// one write) and moves a large one in few system calls, while memory stays
// bounded by the requests in flight.
package bufpool

import (
	"io"
	"sync"
)

const (
	// Small is the buffer of objects up to its size.
	Small = 64 << 10
	// Large is the buffer of larger objects and of those of unknown size.
	Large = 256 << 10
)

var (
	small = sync.Pool{New: func() any { b := make([]byte, Small); return &b }}
	large = sync.Pool{New: func() any { b := make([]byte, Large); return &b }}
)

// Get returns a buffer for an object of size bytes (-1: unknown); Put
// gives it back.
func Get(size int64) *[]byte {
	if size >= 0 && size <= Small {
		return small.Get().(*[]byte)
	}
	return large.Get().(*[]byte)
}

// Put returns a buffer from Get to its pool.
func Put(b *[]byte) {
	switch len(*b) {
	case Small:
		small.Put(b)
	case Large:
		large.Put(b)
	}
}

// Copy copies src to dst through a pooled buffer for an object of size
// bytes (-1: unknown). It hides dst's ReadFrom and src's WriteTo, whose
// generic paths copy through a 32 KiB buffer of their own: use io.Copy
// instead where one of them has a zero-copy path (an *os.File source to a
// socket: sendfile).
func Copy(dst io.Writer, src io.Reader, size int64) (int64, error) {
	b := Get(size)
	defer Put(b)
	return CopyWith(dst, src, *b)
}

// CopyWith is Copy through buf.
func CopyWith(dst io.Writer, src io.Reader, buf []byte) (int64, error) {
	return io.CopyBuffer(writerOnly{dst}, readerOnly{src}, buf)
}

type writerOnly struct{ io.Writer }

type readerOnly struct{ io.Reader }
