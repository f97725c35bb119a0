package api

import (
	"encoding/json"
	"time"
)

// Messages between the proxy and its targets (under PathInternal and the
// target's ETL and job endpoints). AIStore clients never see them.

// ETLInitMsg is what the proxy sends each target to start an ETL.
type ETLInitMsg struct {
	Spec   json.RawMessage `json:"spec"`
	Secret string          `json:"secret"`
	XactID string          `json:"xact_id"`
}

// ETLStopMsg stops an ETL on a target, with the reason kept.
type ETLStopMsg struct {
	Reason string `json:"reason"`
}

// ETLFailedMsg is what a target tells the proxy when its transformer dies.
type ETLFailedMsg struct {
	Target string `json:"target"`
	Reason string `json:"reason"`
}

// TargetETL is a target's view of one ETL.
type TargetETL struct {
	Name    string   `json:"name"`
	Stage   string   `json:"stage"`
	Reason  string   `json:"reason,omitempty"`
	XactID  string   `json:"xact_id"`
	URL     string   `json:"url,omitempty"`
	Stats   Counters `json:"stats"`
	ObjErrs []ObjErr `json:"obj_errs,omitempty"`
}

// JobStartMsg is what the proxy sends every target to start an offline job.
type JobStartMsg struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"` // ActETLBck, ActETLListRange, ActCopyBck, ActCopyListRange
	SrcBck string `json:"src_bck"`
	DstBck string `json:"dst_bck"`
	Msg    TCOMsg `json:"msg"`
}

// TargetJob is one target's part of a job.
type TargetJob struct {
	ID        string    `json:"id"`
	ETLName   string    `json:"etl_name"`
	State     string    `json:"state"`
	Err       string    `json:"err,omitempty"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end,omitempty"`
	Stats     Counters  `json:"stats"`
	ObjErrs   []ObjErr  `json:"obj_errs,omitempty"`
	Received  int64     `json:"direct_puts_received"`
	RecvBytes int64     `json:"direct_put_bytes_received"`
	DirectPut bool      `json:"direct_put"`
}
