package loadgen

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"syscall"

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

// Classify returns the class of err, an error of operation op.
// A transform operation's HTTP error is the transformer's when the message
// says the transformer or the ETL failed (or the answer came from the
// transformer itself, as with hpull redirects); otherwise the cluster's.
func Classify(op string, err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrChecksum):
		return ClassChecksum
	case errors.Is(err, ErrWrongOutput):
		return ClassWrongOutput
	}
	if st := api.StatusOf(err); st != 0 {
		if st == http.StatusRequestTimeout || st == http.StatusGatewayTimeout {
			return ClassTimeout
		}
		var he *api.HTTPError
		errors.As(err, &he)
		msg := ""
		if he != nil {
			msg = strings.ToLower(he.Message)
			if isTimeoutMessage(msg) {
				return ClassTimeout
			}
		}
		tr := isTransformOp(op) && (strings.Contains(msg, "transformer") || etlWord.MatchString(msg) ||
			(he != nil && !strings.Contains(he.URL, "/v1/")))
		switch {
		case tr && st < 500:
			return ClassTransformer4xx
		case tr:
			return ClassTransformer5xx
		case st < 500:
			return ClassCluster4xx
		default:
			return ClassCluster5xx
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return ClassTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ClassTimeout
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return ClassConnection
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return ClassConnection
	}
	// Anything else on the wire (a reset we could not unwrap, a
	// malformed answer) is a connection problem from the loader's view.
	return ClassConnection
}

// etlWord matches "etl" as a word of an error message (`etl "md5": ...`,
// "ETL[md5]", "etl timeout"), not inside a name or a path such as a target
// called etlbench-target-2 or a bucket etl/x.
var etlWord = regexp.MustCompile(`(^|[\s"'(\[:])etl($|[\s"')\[\]:])`)

func isTransformOp(op string) bool {
	return op == OpETLGet || op == OpETLCopy || op == OpETLBucket || op == OpETLMulti
}

func isTimeoutMessage(msg string) bool {
	return strings.Contains(msg, "timeout") || strings.Contains(msg, "timed out") || strings.Contains(msg, "deadline exceeded")
}
