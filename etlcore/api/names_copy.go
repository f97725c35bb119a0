package api

// Plain (no-ETL) copy jobs: AIStore's actions, which are also their job
// (xaction) kinds.
const (
	ActCopyBck       = "copy-bck"       // bucket to bucket, optionally over a prefix
	ActCopyListRange = "copy-listrange" // a list of names or a range template
)

// IsBckJob reports whether kind visits a whole bucket (or a prefix of it),
// as opposed to a list of names or a template.
func IsBckJob(kind string) bool { return kind == ActETLBck || kind == ActCopyBck }

// IsCopyJob reports whether kind copies objects as they are, with no ETL.
func IsCopyJob(kind string) bool { return kind == ActCopyBck || kind == ActCopyListRange }
