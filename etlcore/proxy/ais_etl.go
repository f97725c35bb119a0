package proxy

import (
	"encoding/json"
	"net/http"

	"github.com/etlbench/etlbench/etlcore/api"
)

// aisObjErr is one failed object in AIStore's shape (etl.ObjErr).
type aisObjErr struct {
	ObjName string `json:"obj_name"`
	Message string `json:"msg"`
	Ecode   int    `json:"ecode"`
}

// etlDetails is GET /v1/etl/NAME: AIStore's etl.Details (init_msg, the
// spec in AIStore's ETLSpecMsg shape; obj_errors, the inline errors, or
// with ?uuid=JOB that job's) and etlcore's own fields beside them
// (api.ETLDetails: summed and per-target counters, every recorded error
// with its target), which AIStore's decoder ignores.
type etlDetails struct {
	api.ETLDetails
	InitMsg   json.RawMessage `json:"init_msg"`
	ObjErrors []aisObjErr     `json:"obj_errors"`
}

// writeDetails answers d with AIStore's fields added.
func (c *control) writeDetails(w http.ResponseWriter, r *http.Request, d api.ETLDetails) {
	out := etlDetails{ETLDetails: d, InitMsg: d.Spec, ObjErrors: []aisObjErr{}}
	errs := d.ObjErrs
	if id := r.URL.Query().Get(api.QparamUUID); id != "" {
		c.jmu.Lock()
		je := c.jobs[id]
		c.jmu.Unlock()
		if je == nil {
			api.WriteErr(w, r, http.StatusNotFound, "job %q (query %s) does not exist", id, api.QparamUUID)
			return
		}
		s := c.status(r, je)
		errs = s.ObjErrs
	}
	for _, e := range errs {
		out.ObjErrors = append(out.ObjErrors, aisObjErr{ObjName: e.ObjName, Message: e.Message, Ecode: e.Status})
	}
	api.WriteJSON(w, out)
}

// etlTargetLogs is one target's transformer log (AIStore's etl.Logs: the
// bytes, base64 in JSON); Error says why a target could not give it.
type etlTargetLogs struct {
	TargetID string `json:"target_id"`
	Logs     []byte `json:"logs"`
	Error    string `json:"error,omitempty"`
}

// etlTargetHealth is one target's transformer health (AIStore's
// etl.HealthStatus): "Running", or the reason it is not.
type etlTargetHealth struct {
	TargetID string `json:"target_id"`
	Status   string `json:"health_status"`
}

// etlTargetMetrics is one target's transformer CPU and memory (AIStore's
// etl.CPUMemUsed: cpu in CPU seconds used, mem in resident bytes) with
// etlcore's runtime metrics beside them.
type etlTargetMetrics struct {
	TargetID   string  `json:"target_id"`
	CPU        float64 `json:"cpu"`
	Mem        int64   `json:"mem"`
	CPUSeconds float64 `json:"cpu_seconds"`
	RSSBytes   int64   `json:"rss_bytes"`
	PeakRSS    int64   `json:"peak_rss_bytes,omitempty"`
	Error      string  `json:"error,omitempty"`
}

// writePerTarget answers the targets' logs, health or metrics of an ETL
// in AIStore's shapes: a list with one entry per target.
func writePerTarget(w http.ResponseWriter, op string, replies []reply) {
	switch op {
	case "logs":
		out := make([]etlTargetLogs, 0, len(replies))
		for _, rp := range replies {
			l := etlTargetLogs{TargetID: rp.target.ID, Logs: rp.body}
			if rp.failed() {
				l.Logs, l.Error = []byte{}, rp.errString()
			}
			out = append(out, l)
		}
		api.WriteJSON(w, out)
	case "health":
		out := make([]etlTargetHealth, 0, len(replies))
		for _, rp := range replies {
			h := etlTargetHealth{TargetID: rp.target.ID, Status: string(rp.body)}
			if rp.failed() {
				h.Status = rp.errString()
			}
			out = append(out, h)
		}
		api.WriteJSON(w, out)
	default:
		out := make([]etlTargetMetrics, 0, len(replies))
		for _, rp := range replies {
			m := etlTargetMetrics{TargetID: rp.target.ID}
			if rp.failed() {
				m.Error = rp.errString()
			} else if err := json.Unmarshal(rp.body, &m); err != nil {
				m.Error = "target " + rp.target.ID + ": " + err.Error()
			}
			m.CPU, m.Mem = m.CPUSeconds, m.RSSBytes
			out = append(out, m)
		}
		api.WriteJSON(w, out)
	}
}
