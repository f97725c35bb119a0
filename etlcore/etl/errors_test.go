package etl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

func TestObjErrorMessage(t *testing.T) {
	cause := errors.New("connection refused")
	for _, tc := range []struct {
		e    *ObjError
		want string
	}{
		{&ObjError{Class: ClassTransformer, Status: 500, Msg: "hpush b/o: boom"}, "etl transformer error: status 500 Internal Server Error: hpush b/o: boom"},
		{&ObjError{Class: ClassConnection, Msg: "hpush b/o", Err: cause}, "etl connection error: hpush b/o: connection refused"},
		{&ObjError{Class: ClassTimeout, Status: 504, Msg: "ws b/o: no answer within obj_timeout 1s"}, "etl timeout error: status 504 Gateway Timeout: ws b/o: no answer within obj_timeout 1s"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
	e := &ObjError{Class: ClassConnection, Msg: "x", Err: cause}
	wrapped := fmt.Errorf("job j1: %w", e)
	if !errors.Is(wrapped, cause) {
		t.Error("Unwrap does not reach the cause")
	}
	if ErrClass(wrapped) != ClassConnection || ErrStatus(wrapped) != 0 || HTTPStatus(wrapped) != 502 {
		t.Errorf("class %q status %d http %d", ErrClass(wrapped), ErrStatus(wrapped), HTTPStatus(wrapped))
	}
}

func TestIsTimeout(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("x"), false},
		{&ObjError{Class: ClassTimeout}, true},
		{fmt.Errorf("wrapped: %w", &ObjError{Class: ClassTimeout}), true},
		{&ObjError{Class: ClassTransformer, Status: 504}, false},
		{context.DeadlineExceeded, true},
		{fmt.Errorf("x: %w", os.ErrDeadlineExceeded), true},
		{context.Canceled, false},
	} {
		if got := IsTimeout(tc.err); got != tc.want {
			t.Errorf("IsTimeout(%v) = %v", tc.err, got)
		}
	}
	if ErrClass(context.DeadlineExceeded) != ClassTimeout || ErrClass(errors.New("x")) != ClassConnection || ErrClass(nil) != "" {
		t.Error("ErrClass")
	}
	if !strings.Contains((&ObjError{Class: ClassDirectPut, Status: 503}).Error(), "direct-put") {
		t.Error("class not named")
	}
}

// TestHTTPStatus: the one mapping from an ETL error to the status and class
// a target answers.
func TestHTTPStatus(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		class  string
	}{
		{&ObjError{Class: ClassTimeout, Status: 504}, 504, api.ErrClassTimeout},
		{fmt.Errorf("job j1: %w", &ObjError{Class: ClassTimeout}), 504, api.ErrClassTimeout},
		{&ObjError{Class: ClassTransformer, Status: 404}, 404, api.ErrClassETL},
		{&ObjError{Class: ClassTransformer, Status: 503}, 503, api.ErrClassETL},
		{&ObjError{Class: ClassTransformer, Status: 200}, 502, api.ErrClassETL},
		{&ObjError{Class: ClassTransformer, Status: 0}, 502, api.ErrClassETL},
		// A direct put refused with 503 (replayed once): the request failed
		// at the transformer.
		{&ObjError{Class: ClassDirectPut, Status: 503}, 502, api.ErrClassETL},
		{&ObjError{Class: ClassDirectPut, Status: 502}, 502, api.ErrClassETL},
		{&ObjError{Class: ClassConnection, Err: errors.New("connection refused")}, 502, api.ErrClassETL},
		{&ObjError{Class: ClassConnection, Err: os.ErrDeadlineExceeded}, 504, api.ErrClassTimeout},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), 504, api.ErrClassTimeout},
		{errors.New("read local object: input/output error"), 500, api.ErrClassServer},
	} {
		if got := HTTPStatus(tc.err); got != tc.status {
			t.Errorf("HTTPStatus(%v) = %d, want %d", tc.err, got, tc.status)
		}
		if got := WireClass(tc.err); got != tc.class {
			t.Errorf("WireClass(%v) = %q, want %q", tc.err, got, tc.class)
		}
	}
}
