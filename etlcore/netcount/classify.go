package netcount

import (
	"net"
	"net/http"
	"strings"
	"time"
)

// Request headers that say who is calling.
const (
	// HdrPeer is set by a node on its requests to other nodes.
	HdrPeer = "Etlbench-Peer"
	// HdrMonitor is set by a loader on its metrics polling.
	HdrMonitor = "Etlbench-Monitor"
)

// Classify is the class of a node's server connection from its first
// request: monitor and peer requests say so in a header; object reads on
// the transformer path (/v1/etl/_object/, GET or HEAD) come from the
// node's own transformers, writes on it from other targets' transformers
// (direct put); everything else is a client.
func Classify(etlObjPath string) func(*http.Request) Class {
	return func(r *http.Request) Class {
		switch {
		case r.Header.Get(HdrMonitor) != "":
			return Monitor
		case r.Header.Get(HdrPeer) != "":
			return Intra
		case strings.HasPrefix(r.URL.Path, etlObjPath):
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				return Transformer
			}
			return Intra
		}
		return Client
	}
}

// peerTransport sets HdrPeer on every request.
type peerTransport struct {
	rt   http.RoundTripper
	node string
}

func (p *peerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.Header.Set(HdrPeer, p.node)
	return p.rt.RoundTrip(r2)
}

// CloseIdleConnections closes the wrapped transport's idle connections.
func (p *peerTransport) CloseIdleConnections() {
	if c, ok := p.rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// PeerTransport wraps tr so that its requests carry HdrPeer = node and
// its connections are counted under Intra.
func (c *Counter) PeerTransport(tr *http.Transport, node string) http.RoundTripper {
	tr.DialContext = c.DialContext(Intra, &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second})
	return &peerTransport{rt: tr, node: node}
}
