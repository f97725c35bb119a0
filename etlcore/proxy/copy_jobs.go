package proxy

import (
	"fmt"

	"github.com/etlbench/etlbench/etlcore/api"
)

// Plain copy jobs (copy-bck, copy-listrange) start, run and report as the
// ETL jobs do (startJob, status, AIStore's job queries), with no ETL: the
// message's ETL fields are ignored, as AIStore ignores them for a copy.

// bckJobOf returns the bucket-job kind of a multi-object kind, or "".
func bckJobOf(kind string) string {
	switch kind {
	case api.ActETLListRange:
		return api.ActETLBck
	case api.ActCopyListRange:
		return api.ActCopyBck
	}
	return ""
}

// copyJobMsg checks a copy job's message and clears its ETL fields.
// Copying a bucket onto itself is refused unless it is a dry run, as
// AIStore refuses it.
func copyJobMsg(kind, src, dst string, m *api.TCOMsg) error {
	if kind == api.ActCopyBck && src == dst && !m.DryRun {
		return fmt.Errorf("cannot %s bucket %q onto itself", kind, "ais://"+src)
	}
	m.ETLName, m.Pipeline, m.ETLArgs, m.DirectPut = "", nil, "", nil
	return nil
}

// etlNamesOf returns the ETLs a job of kind runs through: none for a copy.
func etlNamesOf(kind string, m *api.TCOMsg) []string {
	if api.IsCopyJob(kind) {
		return nil
	}
	return append([]string{m.ETLName}, m.Pipeline...)
}

// copyCtlMsg is the one-line description AIStore's CLI shows of a copy job.
func copyCtlMsg(s *api.JobStatus) string {
	return fmt.Sprintf("cp ais://%s=>ais://%s", s.SrcBck, s.DstBck)
}
