package target

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/etl"
)

// startCleanup runs AIStore's storage cleanup job (cleanup-store) here:
// it removes every destroyed bucket left in this target's trash, whatever
// the trash policy would keep, and ends when they are gone. The job's
// counters say how many trash entries it removed (objects) and their
// bytes as counted when they were destroyed.
func (t *Target) startCleanup(msg *api.JobStartMsg) (int, error) {
	ctx, cancel := context.WithCancel(context.Background())
	j := &tjob{msg: *msg, cancel: cancel, stats: new(etl.Stats), start: time.Now(),
		state: api.JobRunning, ended: make(chan struct{})}
	t.jobs.mu.Lock()
	if _, dup := t.jobs.jobs[msg.ID]; dup {
		t.jobs.mu.Unlock()
		cancel()
		return http.StatusConflict, fmt.Errorf("job %q already exists", msg.ID)
	}
	t.jobs.jobs[msg.ID] = j
	t.jobs.mu.Unlock()
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
