package target

import (
	"net/http"

	"github.com/etlbench/etlbench/etlcore/api"
)

// startCleanup runs AIStore's storage cleanup job (cleanup-store) here:
// it removes every destroyed bucket left in this target's trash, whatever
// the trash policy would keep, and ends when they are gone. The job's
// counters say how many trash entries it removed (objects) and their
// bytes as counted when they were destroyed.
func (t *Target) startCleanup(msg *api.JobStartMsg) (int, error) {
	ctx, j, err := t.addJob(msg, nil, false)
	if err != nil {
		return http.StatusConflict, err
	}
	go func() {
		t.store.removeTrash(ctx, func(bytes int64) { j.stats.Add(bytes, bytes) })
		if ctx.Err() != nil {
			j.finish(api.JobAborted, "aborted")
			return
		}
		j.finish(api.JobFinished, "")
	}()
	return 0, nil
}
