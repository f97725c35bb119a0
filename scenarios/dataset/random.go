package dataset

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
)

// randomReader streams size pseudo-random bytes from a ChaCha8 generator.
type randomReader struct {
	rng  *rand.ChaCha8
	left int64
	size int64
}

func newRandomReader(seed uint64, size int64) *randomReader {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	binary.LittleEndian.PutUint64(key[8:], seed^0x5bd1e995)
	return &randomReader{rng: rand.NewChaCha8(key), left: size, size: size}
}

func (r *randomReader) Size() int64 { return r.size }

func (r *randomReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, _ := r.rng.Read(p)
	r.left -= int64(n)
	return n, nil
}
