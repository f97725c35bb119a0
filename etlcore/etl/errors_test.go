package etl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
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
	if ErrClass(wrapped) != ClassConnection || ErrStatus(wrapped) != 0 || e.HTTPStatus() != 502 {
		t.Errorf("class %q status %d http %d", ErrClass(wrapped), ErrStatus(wrapped), e.HTTPStatus())
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
	if (&ObjError{Class: ClassTimeout}).HTTPStatus() != 504 || (&ObjError{Class: ClassTransformer, Status: 404}).HTTPStatus() != 404 ||
		(&ObjError{Class: ClassTransformer, Status: 200}).HTTPStatus() != 502 {
		t.Error("HTTPStatus")
	}
	if !strings.Contains((&ObjError{Class: ClassDirectPut, Status: 503}).Error(), "direct-put") {
		t.Error("class not named")
	}
}
