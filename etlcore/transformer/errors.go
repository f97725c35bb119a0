package transformer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/etlbench/etlbench/etlcore/api"
)

// statusError is an error that carries the HTTP status of the reply.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string   { return e.err.Error() }
func (e *statusError) Unwrap() error   { return e.err }
func (e *statusError) HTTPStatus() int { return e.status }

func errStatus(status int, format string, a ...any) error {
	return &statusError{status: status, err: fmt.Errorf(format, a...)}
}

// transientError is a direct put that failed in a way the target may replay
// (connection error or 5xx from the destination): 503 with
// Ais-Etl-Retry-Reason: direct-put-transient.
type transientError struct{ err error }

func (e *transientError) Error() string   { return e.err.Error() }
func (e *transientError) Unwrap() error   { return e.err }
func (e *transientError) HTTPStatus() int { return http.StatusServiceUnavailable }

// statusOf maps an error to the status of the reply: the error's own
// HTTPStatus (400..599), 504 for a timeout, else 500.
func statusOf(err error) int {
	var se interface{ HTTPStatus() int }
	if errors.As(err, &se) {
		if st := se.HTTPStatus(); st >= 400 && st <= 599 {
			return st
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

func isTransient(err error) bool {
	var te *transientError
	return errors.As(err, &te)
}

// message is the text of an error reply.
func message(err error) string {
	m := err.Error()
	if !strings.HasPrefix(m, "transformer: ") {
		m = "transformer: " + m
	}
	return m
}

// writeErr answers an HTTP error: status, plain-text message, and the
// retry reason of a transient direct-put failure.
func writeErr(w http.ResponseWriter, err error) {
	if isTransient(err) {
		w.Header().Set(api.HdrETLRetryReason, api.RetryDirectPutTransient)
	}
	http.Error(w, message(err), statusOf(err))
}
