// Package countio counts the bytes that pass through a reader or a writer.
package countio

import "io"

// Reader reads from R and adds every byte it returns to N.
type Reader struct {
	R io.Reader
	N int64
}

// Read reads from R, counting what it got.
func (c *Reader) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.N += int64(n)
	return n, err
}
