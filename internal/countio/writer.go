package countio

import "io"

// Writer writes to W and adds every byte W took to N.
type Writer struct {
	W io.Writer
	N int64
}

// Write writes to W, counting what it took.
func (c *Writer) Write(p []byte) (int, error) {
	n, err := c.W.Write(p)
	c.N += int64(n)
	return n, err
}
