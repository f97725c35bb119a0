package loadgen

import (
	"io"
	"math/rand/v2"
)

// contentBlockSize is the size of the random block object contents are cut from.
const contentBlockSize = 4 << 20

// Content makes the random bytes of the objects a run writes: every
// object is a window of one seeded random block, starting at an offset
// derived from the object's number, so contents are reproducible from the
// seed and cost no CPU per byte.
type Content struct {
	block []byte
}

// NewContent returns the content maker of seed.
func NewContent(seed int64) *Content {
	r := rand.NewChaCha8(seedBytes(seed))
	b := make([]byte, contentBlockSize)
	_, _ = r.Read(b)
	return &Content{block: b}
}

func seedBytes(seed int64) [32]byte {
	var s [32]byte
	u := uint64(seed)
	for i := 0; i < 4; i++ {
		u = u*6364136223846793005 + 1442695040888963407
		for j := 0; j < 8; j++ {
			s[i*8+j] = byte(u >> (8 * j))
		}
	}
	return s
}

// Reader returns the size bytes of object number n.
func (c *Content) Reader(n uint64, size int64) io.Reader {
	off := int((n * 0x9E3779B97F4A7C15) >> 11 % uint64(len(c.block)))
	return &windowReader{block: c.block, off: off, left: size}
}

// Bytes returns the size bytes of object number n (for tests and verification).
func (c *Content) Bytes(n uint64, size int64) []byte {
	b := make([]byte, size)
	_, _ = io.ReadFull(c.Reader(n, size), b)
	return b
}

type windowReader struct {
	block []byte
	off   int
	left  int64
}

func (w *windowReader) Read(p []byte) (int, error) {
	if w.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > w.left {
		p = p[:w.left]
	}
	n := copy(p, w.block[w.off:])
	w.off += n
	if w.off == len(w.block) {
		w.off = 0
	}
	w.left -= int64(n)
	return n, nil
}

// WriteTo streams the remaining bytes to dst without an extra copy.
func (w *windowReader) WriteTo(dst io.Writer) (int64, error) {
	var total int64
	for w.left > 0 {
		chunk := w.block[w.off:]
		if int64(len(chunk)) > w.left {
			chunk = chunk[:w.left]
		}
		n, err := dst.Write(chunk)
		total += int64(n)
		w.left -= int64(n)
		w.off += n
		if w.off == len(w.block) {
			w.off = 0
		}
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
