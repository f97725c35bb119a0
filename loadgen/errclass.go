package loadgen

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/etlbench/etlbench/etlcore/api"
)

// Error classes (keys of errors_by_class in result.json).
const (
	ClassTimeout        = "timeout"
	ClassConnection     = "connection"
	ClassTransformer4xx = "transformer-4xx"
	ClassTransformer5xx = "transformer-5xx"
	ClassCluster4xx     = "cluster-4xx"
	ClassCluster5xx     = "cluster-5xx"
	ClassChecksum       = "checksum"
	ClassWrongOutput    = "wrong-output"
	ClassJob            = "job" // an offline job that failed or was aborted
)

// ErrorClasses lists every class in a stable order.
var ErrorClasses = []string{ClassTimeout, ClassConnection, ClassTransformer4xx, ClassTransformer5xx,
	ClassCluster4xx, ClassCluster5xx, ClassChecksum, ClassWrongOutput, ClassJob}

// ErrChecksum is a GET whose bytes do not match the checksum the cluster sent.
var ErrChecksum = errors.New("checksum mismatch")

// ErrWrongOutput is a transformed object that differs from the transform
// computed locally.
var ErrWrongOutput = errors.New("wrong transform output")

// Classify returns the class of err, an error of operation op. An error
// answer is classed by the class its body names (api.ErrBody.Class: etl
// is the transformer's, timeout a timeout, any other the cluster's), and
// by its status: 4xx or 5xx. An answer without a class (AIStore's, or a
// transformer's own, as with hpull redirects) is a timeout when its status
// is 408 or 504; on a transform operation, it is the transformer's when
// the transformer itself answered (a URL outside /v1/), else the
// cluster's. Anything else is a connection or timeout error of the
// transport. Message text is never read: servers may reword it.
func Classify(op string, err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrChecksum):
		return ClassChecksum
	case errors.Is(err, ErrWrongOutput):
		return ClassWrongOutput
	}
	var he *api.HTTPError
	if errors.As(err, &he) && he.Status != 0 {
		return classifyAnswer(op, he)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return ClassTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ClassTimeout
	}
	// Anything else on the wire (refused, reset, cut short, a malformed
	// answer) is a connection problem from the loader's view.
	return ClassConnection
}

// classifyAnswer classes an error answer (see Classify).
func classifyAnswer(op string, he *api.HTTPError) string {
	var transformer bool
	switch he.Class {
	case api.ErrClassTimeout:
		return ClassTimeout
	case api.ErrClassETL:
		transformer = true
	case "":
		if he.Status == http.StatusRequestTimeout || he.Status == http.StatusGatewayTimeout {
			return ClassTimeout
		}
		transformer = isTransformOp(op) && !fromCluster(he.URL)
	}
	switch {
	case transformer && he.Status < 500:
		return ClassTransformer4xx
	case transformer:
		return ClassTransformer5xx
	case he.Status < 500:
		return ClassCluster4xx
	}
	return ClassCluster5xx
}

// fromCluster reports whether u, the URL that answered, is a cluster
// node's REST API (under /v1/) rather than a transformer's.
func fromCluster(u string) bool {
	pu, err := url.Parse(u)
	return err != nil || strings.HasPrefix(pu.Path, "/v1/")
}

// isTransformOp reports whether op transforms on the cluster.
func isTransformOp(op string) bool {
	o, ok := operations[op]
	return ok && o.traits().etl
}
