package scenarios

import (
	"errors"
	"fmt"
	"strings"
)

// FieldError is a problem with one field of a scenario: where it is and what is wrong.
type FieldError struct {
	File  string // the scenario file, or "--set key=value" for an override
	Line  int    // 1-based; 0 when unknown
	Field string // dotted path, e.g. matrix.comm[1]
	Msg   string
}

// Error formats the error as FILE:LINE: FIELD: MESSAGE.
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in a scenario, in file order.
type Errors []*FieldError

// Error lists the problems, one a line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes the single errors to errors.Is/As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// AsFieldErrors returns the field errors inside err (nil if none).
func AsFieldErrors(err error) []*FieldError {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		return []*FieldError{fe}
	}
	return nil
}

// maxErrors bounds how many problems one load reports.
const maxErrors = 20

// errList collects field errors.
type errList struct {
	errs Errors
}

func (l *errList) add(e *FieldError) {
	if len(l.errs) < maxErrors {
		l.errs = append(l.errs, e)
	}
}

func (l *errList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	return l.errs
}
