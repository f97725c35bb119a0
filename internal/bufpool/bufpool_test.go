package bufpool

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// recorder counts the writes it gets and their largest size.
type recorder struct {
	bytes.Buffer
	writes, largest int
}

func (r *recorder) Write(p []byte) (int, error) {
	r.writes++
	r.largest = max(r.largest, len(p))
	return r.Buffer.Write(p)
}

// ReadFrom would be used by io.Copy; Copy must not use it.
func (r *recorder) ReadFrom(io.Reader) (int64, error) {
	return 0, errors.New("ReadFrom used")
}

func TestCopySizesBuffersToTheObject(t *testing.T) {
	for _, tc := range []struct {
		size     int
		declared int64
		largest  int
	}{
		{size: 1000, declared: 1000, largest: 1000},
		{size: Small, declared: Small, largest: Small},
		{size: 3 * Large, declared: 3 * Large, largest: Large},
		{size: 3 * Large, declared: -1, largest: Large},
	} {
		src := bytes.Repeat([]byte("0123456789abcdef"), tc.size/16+1)[:tc.size]
		var dst recorder
		n, err := Copy(&dst, bytes.NewReader(src), tc.declared)
		if err != nil || n != int64(tc.size) {
			t.Fatalf("size %d: copied %d, %v", tc.size, n, err)
		}
		if !bytes.Equal(dst.Bytes(), src) {
			t.Fatalf("size %d: the copy differs from the source", tc.size)
		}
		if dst.largest != tc.largest {
			t.Errorf("size %d (declared %d): largest write %d, want %d", tc.size, tc.declared, dst.largest, tc.largest)
		}
	}
}

func TestPutKeepsOnlyPoolSizes(t *testing.T) {
	b := make([]byte, 10)
	Put(&b) // not a pooled size: dropped, never handed out
	for i := 0; i < 100; i++ {
		if g := Get(1); len(*g) != Small {
			t.Fatalf("Get(1) gave %d bytes, want %d", len(*g), Small)
		}
	}
}
