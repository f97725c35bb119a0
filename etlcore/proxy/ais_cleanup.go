package proxy

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// startXaction serves AIStore's job start, PUT /v1/cluster
// {"action":"start","value":{"Kind":...}}. etlcore starts one kind this
// way, cleanup-store: every live target removes what destroyed buckets
// left in its trash, at once. The answer is the job's id, as text; the job
// is then seen by AIStore's job queries (what=status, qryxstats) like
// the offline transforms.
func (c *control) startXaction(w http.ResponseWriter, r *http.Request, msg *api.ActMsg) {
	var args api.AisXactArgs
	if err := msg.DecodeValue(&args); err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	if args.Kind != api.ActStoreCleanup {
		api.WriteErr(w, r, http.StatusBadRequest, "start job: kind %q cannot be started this way (etlcore starts %q; transforms start with the etl-bck and etl-listrange bucket actions)",
			args.Kind, api.ActStoreCleanup)
		return
	}
	if args.Bck.Name != "" || len(args.Buckets) > 0 {
		api.WriteErr(w, r, http.StatusBadRequest, "start job %s: etlcore cleans a whole target's storage, not one bucket (%q)", args.Kind, args.Bck.Name)
		return
	}
	targets, err := c.p.aliveTargets(true)
	if err != nil {
		api.WriteErr(w, r, http.StatusServiceUnavailable, "start job %s: %v", args.Kind, err)
		return
	}
	je := &jobEntry{ID: newID("cln-"), Kind: args.Kind, Start: time.Now().UTC()}
	for _, t := range targets {
		je.Targets = append(je.Targets, t.ID)
	}
	body, _ := json.Marshal(api.JobStartMsg{ID: je.ID, Kind: args.Kind})
	c.jmu.Lock()
	c.jobs[je.ID] = je
	c.jmu.Unlock()
	c.p.markDirty()
	if errs := failures(c.p.broadcast(r.Context(), targets, http.MethodPost, api.PathInternal+"jobs/"+je.ID+"/start", body)); len(errs) > 0 {
		api.WriteErr(w, r, http.StatusInternalServerError, "start job %s: %s", args.Kind, strings.Join(errs, "; "))
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte(je.ID))
}
