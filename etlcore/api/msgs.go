package api

import "encoding/json"

// ActMsg is the body of bucket and job requests: {"action":..,"value":..}.
type ActMsg struct {
	Action string          `json:"action"`
	Name   string          `json:"name,omitempty"`
	Value  json.RawMessage `json:"value,omitempty"`
}

// ListMsg is the value of a "list" action.
type ListMsg struct {
	// UUID names the listing in progress (AIStore answers one with the
	// first page and wants it back with the next).
	UUID              string `json:"uuid,omitempty"`
	Prefix            string `json:"prefix,omitempty"`
	PageSize          int    `json:"pagesize,omitempty"`
	ContinuationToken string `json:"continuation_token,omitempty"`
	Props             string `json:"props,omitempty"`
}

// ListEntry is one object of a listing (AIStore's cmn.LsoEnt: the size
// is a JSON string).
type ListEntry struct {
	Name     string `json:"name"`
	Size     int64  `json:"size,string"`
	Checksum string `json:"checksum,omitempty"`
	Flags    uint16 `json:"flags,omitempty"` // AIStore's entry flags (EntryIsCached)
}

// ListResult is one page of a listing; an empty token means the last page
// (AIStore's cmn.LsoRes).
type ListResult struct {
	UUID              string      `json:"uuid"`
	ContinuationToken string      `json:"continuation_token"`
	Entries           []ListEntry `json:"entries"`
	Flags             uint32      `json:"flags"`
}

// TCBMsg is the value of "etl-bck" (offline bucket-to-bucket transform) and,
// with TCOMsg, of "etl-listrange".
type TCBMsg struct {
	ETLName    string            `json:"id"`
	Pipeline   []string          `json:"pipeline,omitempty"`
	ETLArgs    string            `json:"etl_args,omitempty"`
	Prefix     string            `json:"prefix,omitempty"`
	Ext        map[string]string `json:"ext,omitempty"`
	Prepend    string            `json:"prepend,omitempty"`
	DryRun     bool              `json:"dry_run,omitempty"`
	NumWorkers int               `json:"num-workers,omitempty"`
	ContOnErr  bool              `json:"coer,omitempty"`
	Force      bool              `json:"force,omitempty"`
	// DirectPut, when set, overrides the spec's support_direct_put for this
	// job (etlbench extension, so that both can be compared).
	DirectPut *bool `json:"direct_put,omitempty"`
}

// TCOMsg is the value of "etl-listrange": a list of names or a range template.
type TCOMsg struct {
	TCBMsg
	ToBck    string   `json:"tobck"`
	ObjNames []string `json:"objnames,omitempty"`
	Template string   `json:"template,omitempty"`
}

// ETLInfo is one entry of GET /v1/etl (AIStore's field names).
type ETLInfo struct {
	Name     string `json:"id"`
	Stage    string `json:"stage"`
	XactID   string `json:"xaction_id"`
	ObjCount int64  `json:"obj_count"`
	InBytes  int64  `json:"in_bytes"`
	OutBytes int64  `json:"out_bytes"`
	Errors   int64  `json:"errors"`
	Reason   string `json:"reason,omitempty"`
}

// ObjErr is one recorded per-object error.
type ObjErr struct {
	Target  string `json:"target,omitempty"`
	ObjName string `json:"obj_name"`
	Status  int    `json:"ecode"`
	Message string `json:"message"`
}

// Counters are the object and byte counts kept per ETL and per job.
type Counters struct {
	ObjsIn   int64 `json:"objs_in"`
	ObjsOut  int64 `json:"objs_out"`
	BytesIn  int64 `json:"bytes_in"`
	BytesOut int64 `json:"bytes_out"`
	Errors   int64 `json:"errors"`
}

// Add adds o to c.
func (c *Counters) Add(o Counters) {
	c.ObjsIn += o.ObjsIn
	c.ObjsOut += o.ObjsOut
	c.BytesIn += o.BytesIn
	c.BytesOut += o.BytesOut
	c.Errors += o.Errors
}

// JobStatus is a job's progress, per target and summed.
type JobStatus struct {
	ID        string              `json:"id"`
	Kind      string              `json:"kind"`
	ETLName   string              `json:"etl_name"`
	SrcBck    string              `json:"src_bck"`
	DstBck    string              `json:"dst_bck"`
	State     string              `json:"state"`
	Err       string              `json:"err,omitempty"`
	StartTime string              `json:"start_time"`
	EndTime   string              `json:"end_time,omitempty"`
	Counters                      // summed over targets
	DirectPut bool                `json:"direct_put"`
	Targets   map[string]Counters `json:"targets,omitempty"`
	ObjErrs   []ObjErr            `json:"obj_errs,omitempty"`
}

// Finished reports whether the job is over (finished, failed or aborted).
func (s *JobStatus) Finished() bool { return s.State != "" && s.State != JobRunning }

// NodeInfo describes one node of the cluster map.
type NodeInfo struct {
	ID    string `json:"id"`
	Role  string `json:"role"` // "proxy" | "target"
	URL   string `json:"url"`
	Alive bool   `json:"alive"`
}

// ClusterMeta is what the proxy tells a target that joins, and pushes to
// every live target when the cluster map changes: the map and the bucket
// set with its version (+1 per bucket create or destroy).
type ClusterMeta struct {
	Smap       Smap     `json:"smap"`
	Buckets    []string `json:"buckets"`
	BMDVersion int64    `json:"bmd_version"`
}

// Smap is the cluster map as the proxy serves it (GET /v1/cluster).
// Proxy is the primary proxy; Proxies lists every proxy, the primary
// included (empty in a map from a node that knows of one proxy only).
type Smap struct {
	Version int64      `json:"version"`
	Proxy   NodeInfo   `json:"proxy"`
	Proxies []NodeInfo `json:"proxies,omitempty"`
	Targets []NodeInfo `json:"targets"`
}

// AllProxies returns every proxy of s: Proxies, or the primary alone when
// s lists none.
func (s *Smap) AllProxies() []NodeInfo {
	if len(s.Proxies) > 0 {
		return s.Proxies
	}
	if s.Proxy.ID == "" {
		return nil
	}
	return []NodeInfo{s.Proxy}
}

// TargetVersions is a target's answer to GET and PUT
// /v1/_internal/smap: the cluster-map and bucket-set versions it holds,
// and (PUT) whether it took the pushed map.
type TargetVersions struct {
	SmapVersion int64 `json:"smap_version"`
	BMDVersion  int64 `json:"bmd_version"`
	Applied     bool  `json:"applied"`
}
