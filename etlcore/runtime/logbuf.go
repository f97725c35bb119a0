package runtime

import (
	"fmt"
	"io"
	"sync"
)

// DefaultLogLimit is how many bytes of a transformer's output a LogBuf keeps
// in memory when no limit is given.
const DefaultLogLimit = 1 << 20

// LogBuf is a bounded, goroutine-safe ring of the most recent bytes written
// to it: the tail of a transformer's output. Older bytes are dropped and
// counted, so memory stays at most the limit however long the process runs.
type LogBuf struct {
	mu    sync.Mutex
	buf   []byte // ring storage, grows up to limit
	limit int
	start int   // index of the oldest byte when the ring is full
	full  bool  // buf holds limit bytes and wraps at start
	total int64 // bytes ever written
}

// NewLogBuf returns a LogBuf that keeps the last limit bytes (DefaultLogLimit
// when limit <= 0).
func NewLogBuf(limit int) *LogBuf {
	if limit <= 0 {
		limit = DefaultLogLimit
	}
	return &LogBuf{limit: limit}
}

// Write appends p, dropping the oldest bytes beyond the limit. It never fails.
func (b *LogBuf) Write(p []byte) (int, error) {
	n := len(p)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total += int64(n)
	if len(p) >= b.limit { // only the tail of p survives
		p = p[len(p)-b.limit:]
		if cap(b.buf) < b.limit {
			b.buf = make([]byte, b.limit)
		}
		b.buf = b.buf[:b.limit]
		copy(b.buf, p)
		b.start, b.full = 0, true
		return n, nil
	}
	if !b.full {
		if len(b.buf)+len(p) <= b.limit {
			b.buf = append(b.buf, p...)
			return n, nil
		}
		// fill up to the limit, then wrap
		room := b.limit - len(b.buf)
		b.buf = append(b.buf, p[:room]...)
		p = p[room:]
		b.full, b.start = true, 0
	}
	for len(p) > 0 { // overwrite the oldest bytes
		c := copy(b.buf[b.start:], p)
		p = p[c:]
		b.start = (b.start + c) % b.limit
	}
	return n, nil
}

// Len returns the number of bytes held.
func (b *LogBuf) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.buf)
}

// Total returns the number of bytes ever written.
func (b *LogBuf) Total() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}

// Bytes returns a copy of the bytes held, oldest first.
func (b *LogBuf) Bytes() []byte {
	data, _ := b.snapshot()
	return data
}

// snapshot returns a copy of the bytes held and the total written, together.
func (b *LogBuf) snapshot() ([]byte, int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]byte, 0, len(b.buf))
	if !b.full {
		return append(out, b.buf...), b.total
	}
	out = append(out, b.buf[b.start:]...)
	return append(out, b.buf[:b.start]...), b.total
}

// WriteTo writes the bytes held to w, preceded by a note when older output
// was dropped.
func (b *LogBuf) WriteTo(w io.Writer) (int64, error) {
	data, total := b.snapshot()
	var n int64
	if dropped := total - int64(len(data)); dropped > 0 {
		m, err := fmt.Fprintf(w, "[... %d earlier bytes dropped ...]\n", dropped)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	m, err := w.Write(data)
	return n + int64(m), err
}

// Tail returns up to max bytes of the last non-empty line held (for error
// messages), without its trailing newline.
func (b *LogBuf) Tail(max int) string {
	data := b.Bytes()
	for len(data) > 0 && (data[len(data)-1] == '\n' || data[len(data)-1] == '\r') {
		data = data[:len(data)-1]
	}
	i := len(data) - 1
	for i >= 0 && data[i] != '\n' {
		i--
	}
	line := data[i+1:]
	if max > 0 && len(line) > max {
		line = line[len(line)-max:]
	}
	return string(line)
}
