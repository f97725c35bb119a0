package etl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/etlbench/etlbench/etlcore/api"
)

// Classes of per-object ETL errors (ObjError.Class).
const (
	// ClassTimeout: the object did not finish within obj_timeout.
	ClassTimeout = "timeout"
	// ClassConnection: the transformer could not be reached, or the
	// connection to it broke.
	ClassConnection = "connection"
	// ClassTransformer: the transformer answered an error (>= 400, or a ws
	// error frame) or broke the protocol.
	ClassTransformer = "transformer"
	// ClassDirectPut: the transformer could not deliver the result to its
	// destination target (503 + Ais-Etl-Retry-Reason: direct-put-transient,
	// after the replay).
	ClassDirectPut = "direct-put"
)

// ObjError is the error of one object sent through a transformer.
type ObjError struct {
	Status int    // HTTP status answered (or implied), 0 when none
	Msg    string // what went wrong, for people
	Class  string // ClassTimeout, ClassConnection, ClassTransformer, ClassDirectPut
	Err    error  // underlying error, if any
}

// Error names the class, the status and the message.
func (e *ObjError) Error() string {
	s := "etl " + e.Class + " error"
	if e.Status != 0 {
		s += fmt.Sprintf(": status %d", e.Status)
		if t := http.StatusText(e.Status); t != "" {
			s += " " + t
		}
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil && (e.Msg == "" || e.Msg != e.Err.Error()) {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *ObjError) Unwrap() error { return e.Err }

// HTTPStatus is the status a target answers for err, the error of an
// object sent through an ETL (the one mapping from ETL error to status):
// 504 for a timeout (IsTimeout); the transformer's own status (400..599)
// when it answered an error; 502 when the transformer could not be
// reached, broke the protocol or could not deliver the result by direct
// put (even when its direct put was refused with 503: the target replayed
// it once, and the client's request failed at the transformer); 500 for
// any other error.
func HTTPStatus(err error) int {
	var oe *ObjError
	switch {
	case IsTimeout(err):
		return http.StatusGatewayTimeout
	case !errors.As(err, &oe):
		return http.StatusInternalServerError
	case oe.Class == ClassTransformer && oe.Status >= 400 && oe.Status <= 599:
		return oe.Status
	}
	return http.StatusBadGateway
}

// WireClass is the class (api.ErrBody.Class) of the error answer for err:
// api.ErrClassTimeout for a timeout, api.ErrClassETL for any other
// ObjError, api.ErrClassServer for anything else.
func WireClass(err error) string {
	var oe *ObjError
	switch {
	case IsTimeout(err):
		return api.ErrClassTimeout
	case errors.As(err, &oe):
		return api.ErrClassETL
	}
	return api.ErrClassServer
}

// IsTimeout reports whether err is (or wraps) an object timeout: an
// ObjError of ClassTimeout, a context deadline, or a network timeout.
func IsTimeout(err error) bool {
	if err == nil {
		return false
	}
	var oe *ObjError
	if errors.As(err, &oe) && oe.Class == ClassTimeout {
		return true
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// ErrClass returns the class of err: the ObjError's class, ClassTimeout for
// deadlines, ClassConnection for other errors.
func ErrClass(err error) string {
	var oe *ObjError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &oe):
		return oe.Class
	case IsTimeout(err):
		return ClassTimeout
	}
	return ClassConnection
}

// ErrStatus returns the status that err carries (ObjError.Status), else 0.
func ErrStatus(err error) int {
	var oe *ObjError
	if errors.As(err, &oe) {
		return oe.Status
	}
	return 0
}

// answerClass is the class of a transformer's error answer: a 504 means
// the transformer's own obj_timeout fired (it gets the same limit as the
// target), so it is counted as a timeout like the target's own.
func answerClass(status int) string {
	if status == 504 {
		return ClassTimeout
	}
	return ClassTransformer
}
