// Package netcount counts the bytes a node moves over the network, by the
// kind of connection: client (loaders, users), intra (other nodes, and
// transformers of other targets writing by direct put), transformer (the
// node's own transformers) and monitor (cost and metrics polling, kept
// apart so that measuring does not add to what is measured). Counting
// wraps the listener and the dialers: the bytes are what crossed the
// socket, HTTP headers included.
package netcount

import (
	"fmt"
	"io"
	"sync/atomic"
)

// Class is the kind of a connection.
type Class int32

// Connection classes.
const (
	Client Class = iota
	Intra
	Transformer
	Monitor
	numClasses
)

// unclassified marks a server connection whose first request has not been
// seen yet.
const unclassified Class = -1

var classNames = [numClasses]string{"client", "intra", "transformer", "monitor"}

// String is the class's name in metrics and results.
func (c Class) String() string {
	if c < 0 || c >= numClasses {
		return fmt.Sprintf("class(%d)", int32(c))
	}
	return classNames[c]
}

// Classes are every class, in order.
func Classes() []Class { return []Class{Client, Intra, Transformer, Monitor} }

// Counter is one node's byte counts. The zero value is ready to use.
type Counter struct {
	rx, tx [numClasses]atomic.Int64
}

// Add counts rx bytes received and tx bytes sent on a class-c connection.
func (c *Counter) Add(cl Class, rx, tx int64) {
	if cl < 0 || cl >= numClasses {
		cl = Client
	}
	if rx != 0 {
		c.rx[cl].Add(rx)
	}
	if tx != 0 {
		c.tx[cl].Add(tx)
	}
}

// Bytes returns the bytes received and sent on class-c connections so far.
func (c *Counter) Bytes(cl Class) (rx, tx int64) {
	return c.rx[cl].Load(), c.tx[cl].Load()
}

// WritePrometheus writes the counts as etlcore_net_bytes_total lines of
// node (labels node, conn, dir).
func (c *Counter) WritePrometheus(w io.Writer, node string) {
	fmt.Fprintf(w, "# HELP etlcore_net_bytes_total Bytes over the network by connection class (client, intra, transformer, monitor) and direction.\n# TYPE etlcore_net_bytes_total counter\n")
	for _, cl := range Classes() {
		rx, tx := c.Bytes(cl)
		fmt.Fprintf(w, "etlcore_net_bytes_total{node=%q,conn=%q,dir=\"rx\"} %d\n", node, cl, rx)
		fmt.Fprintf(w, "etlcore_net_bytes_total{node=%q,conn=%q,dir=\"tx\"} %d\n", node, cl, tx)
	}
}
