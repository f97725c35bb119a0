package transformers

import (
	"fmt"
	"net/http"
)

// StatusError is a transform error that carries the HTTP status a
// transformer server should answer with (a malformed etl_args is 400, an
// input the transform cannot read is 422, a fault injected by the fault
// transformer carries the status its args asked for).
//
// Transforms return it as *StatusError. The SDK (which cannot import this
// package) finds the status through the HTTPStatus method:
//
//	var se interface{ HTTPStatus() int }
//	if errors.As(err, &se) { status = se.HTTPStatus() }
type StatusError struct {
	Status int    // HTTP status, 400..599
	Msg    string // what went wrong, naming the transformer and the arg or input
	Err    error  // the underlying cause, if any
}

func (e *StatusError) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

// Unwrap returns the underlying cause.
func (e *StatusError) Unwrap() error { return e.Err }

// HTTPStatus returns the status the transformer server should answer with.
func (e *StatusError) HTTPStatus() int { return e.Status }

// argError reports a bad etl_args value of transformer name: a 400.
func argError(name, arg, format string, a ...any) error {
	return &StatusError{
		Status: http.StatusBadRequest,
		Msg:    fmt.Sprintf("%s: bad arg %q: %s", name, arg, fmt.Sprintf(format, a...)),
	}
}

// inputError reports an input that transformer name cannot read: a 422.
func inputError(name string, err error) error {
	return &StatusError{Status: http.StatusUnprocessableEntity, Msg: name + ": bad input", Err: err}
}
