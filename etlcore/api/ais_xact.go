package api

import "time"

// AIStore's job (xaction) messages and answers, as its clients send and
// decode them (xact.QueryMsg, nl.Status, core.Snap).

// AisXactQuery selects jobs: by id, by kind, by bucket, only running.
type AisXactQuery struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Bck        AisBck `json:"bck"`
	ShowActive *bool  `json:"show_active"`
}

// AisXactArgs is the value of a job start (AIStore's xact.ArgsMsg, whose
// fields have no JSON tags but flags).
type AisXactArgs struct {
	ID          string        `json:"ID"`
	Kind        string        `json:"Kind"`
	DaemonID    string        `json:"DaemonID"`
	Bck         AisBck        `json:"Bck"`
	Buckets     []AisBck      `json:"Buckets"`
	Timeout     time.Duration `json:"Timeout"`
	Flags       uint32        `json:"flags,omitempty"`
	Force       bool          `json:"Force"`
	OnlyRunning bool          `json:"OnlyRunning"`
}

// AisXactStatus is one job's status (AIStore's nl.Status).
type AisXactStatus struct {
	Kind    string `json:"kind"`
	UUID    string `json:"uuid"`
	Err     string `json:"err"`
	EndTime int64  `json:"end_time"` // Unix nanoseconds; 0 while running
	Aborted bool   `json:"aborted"`
}

// Finished reports whether the job is over (ended or aborted).
func (s *AisXactStatus) Finished() bool { return s.EndTime != 0 || s.Aborted }

// AisXactSnap is one job on one target (AIStore's core.Snap). Ext holds
// what etlcore adds for the target (AIStore leaves it null and its
// decoders keep it without reading it).
type AisXactSnap struct {
	Ext       *AisXactExt   `json:"ext"`
	StartTime time.Time     `json:"start-time"`
	EndTime   time.Time     `json:"end-time"`
	Bck       AisBck        `json:"bck"`
	SrcBck    AisBck        `json:"src-bck"`
	DstBck    AisBck        `json:"dst-bck"`
	ID        string        `json:"id"`
	Kind      string        `json:"kind"`
	CtlMsg    string        `json:"ctlmsg,omitempty"`
	AbortErr  string        `json:"abort-err"`
	Err       string        `json:"err"`
	Packed    int64         `json:"glob.id,string"`
	Stats     AisXactCounts `json:"stats"`
	Aborted   bool          `json:"aborted"`
	Idle      bool          `json:"is_idle"`
}

// AisXactExt is etlcore's part of a job's snap on one target: its
// counters there (Counters, flattened) and, for an ETL job, the ETL, whether
// it ran with direct put and the object errors recorded there.
type AisXactExt struct {
	Counters
	ETLName   string   `json:"etl_name,omitempty"`
	DirectPut bool     `json:"direct_put,omitempty"`
	ObjErrs   []ObjErr `json:"obj_errs,omitempty"`
}

// AisXactCounts are a job's counters on one target: objects and bytes
// processed there (loc), sent to other targets (out) and received (in).
type AisXactCounts struct {
	LocObjs  int64 `json:"loc-objs,string"`
	LocBytes int64 `json:"loc-bytes,string"`
	OutObjs  int64 `json:"out-objs,string"`
	OutBytes int64 `json:"out-bytes,string"`
	InObjs   int64 `json:"in-objs,string"`
	InBytes  int64 `json:"in-bytes,string"`
}

// AisBucket returns bucket name as an AIStore bucket (provider ais).
func AisBucket(name string) AisBck {
	if name == "" {
		return AisBck{}
	}
	return AisBck{Name: name, Provider: Provider}
}

// AisBucketUname returns bucket name as AIStore's bucket uname (provider
// ais, global namespace: "ais/@#/NAME/"), the form of its bck_to.
func AisBucketUname(name string) string { return Provider + "/@#/" + name + "/" }
