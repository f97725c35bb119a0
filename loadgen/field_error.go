package loadgen

import "fmt"

// FieldError is a Config setting that is wrong. Field is the setting in
// snake_case (Config.PctPut is "pct_put"); the message names any other
// setting it mentions the same way, and Render names them all as the
// caller's interface does (etlbench load: its flags).
type FieldError struct {
	// Field is the setting at fault, e.g. "duration".
	Field string
	msg   func(name func(field string) string) string
}

// Error renders the error with the settings' own names:
// "duration: must be > 0".
func (e *FieldError) Error() string { return e.Render(nil) }

// Render renders the error with every setting named by name (nil: the
// setting's own name), e.g. "--duration: must be > 0".
func (e *FieldError) Render(name func(field string) string) string {
	if name == nil {
		name = func(f string) string { return f }
	}
	return name(e.Field) + ": " + e.msg(name)
}

// fieldErrf is a FieldError whose message names no other setting.
func fieldErrf(field, format string, a ...any) *FieldError {
	msg := fmt.Sprintf(format, a...)
	return &FieldError{Field: field, msg: func(func(string) string) string { return msg }}
}

// fieldErrRel is a FieldError whose message names the settings others:
// format takes their names first, then a.
func fieldErrRel(field string, others []string, format string, a ...any) *FieldError {
	return &FieldError{Field: field, msg: func(name func(string) string) string {
		args := make([]any, 0, len(others)+len(a))
		for _, o := range others {
			args = append(args, name(o))
		}
		return fmt.Sprintf(format, append(args, a...)...)
	}}
}

// FieldNames lists every setting a FieldError may name.
var FieldNames = []string{
	"proxy", "bucket", "dst_bucket", "op", "duration", "warmup", "stats_interval",
	"workers", "rate", "max_lag", "timeout", "drain_timeout", "job_poll",
	"pct_put", "min_size", "max_size", "sizes", "max_puts", "total_put_size",
	"epochs", "objects", "repeat", "etl_name", "etl_spec", "pipeline", "comm",
	"job_workers", "template", "verify", "display",
}
