package proxy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// reconcileStages brings the ETL stages of the metadata in line with the
// targets once this proxy has taken over: an ETL the metadata holds
// Running that a live target holds Aborted in the same start (a stop or
// an abort the old primary had sent but not recorded) is Aborted
// everywhere, with the target's reason. Targets that do not answer, and
// targets that do not hold the ETL (one that joined after its start), are
// left out.
func (c *control) reconcileStages(ctx context.Context) {
	targets, err := c.p.aliveTargets(false)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	held := map[string]map[string]api.TargetETL{} // target -> its ETLs by name
	for _, rp := range c.p.broadcast(ctx, targets, http.MethodGet, api.PathInternal+"etl", nil) {
		var list []api.TargetETL
		if rp.failed() || json.Unmarshal(rp.body, &list) != nil {
			continue
		}
		held[rp.target.ID] = map[string]api.TargetETL{}
		for _, v := range list {
			held[rp.target.ID][v.Name] = v
		}
	}
	aborted := map[string]string{} // name -> reason
	c.mu.Lock()
	for _, e := range c.etls {
		if e.Stage != api.StageRunning {
			continue
		}
		for tid, etls := range held {
			if v, ok := etls[e.Name]; ok && v.Stage == api.StageAborted && v.XactID == e.XactID {
				aborted[e.Name] = fmt.Sprintf("%s (target %s; found by proxy %s taking over as primary)", v.Reason, tid, c.p.cfg.ID)
				e.Stage, e.Reason = api.StageAborted, aborted[e.Name]
				break
			}
		}
	}
	if len(aborted) > 0 {
		c.saveLocked()
	}
	c.mu.Unlock()
	for name, reason := range aborted {
		c.p.log.Printf("etl %s aborted: %s", name, reason)
		c.stopOnTargets(name, reason)
	}
}
