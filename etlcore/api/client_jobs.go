package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Offline ETL jobs (etl-bck, etl-listrange), started with AIStore's
// bucket actions and followed through AIStore's job API only, so that the
// same calls run a job on AIStore and on etlcore: the status from
// what=status (or status_all), the counters from the targets' snaps
// (what=qryxstats), the abort as AIStore's "stop".

// StartETLBucket starts an offline bucket-to-bucket transform and returns
// the job id. The destination goes as AIStore's bucket uname (bck_to=
// ais/@#/DST/), which AIStore requires and etlcore accepts.
func (c *Client) StartETLBucket(ctx context.Context, src, dst string, msg TCBMsg) (string, error) {
	am, err := actMsg(ActETLBck, msg)
	if err != nil {
		return "", err
	}
	q := url.Values{QparamBckTo: {AisBucketUname(dst)}}
	return c.doText(ctx, http.MethodPost, PathBuckets+url.PathEscape(src), q, am, nil)
}

// aisTCO is a multi-object job's value as AIStore decodes it (cmn.TCOMsg):
// the destination as a bucket object, not etlcore's name.
type aisTCO struct {
	TCOMsg
	ToBck AisBck `json:"tobck"`
}

// StartETLListRange starts a multi-object transform and returns the job id.
func (c *Client) StartETLListRange(ctx context.Context, src string, msg TCOMsg) (string, error) {
	if msg.ToBck == "" {
		return "", fmt.Errorf("api: start %s from %s: no destination bucket (tobck)", ActETLListRange, src)
	}
	am, err := actMsg(ActETLListRange, aisTCO{TCOMsg: msg, ToBck: AisBucket(msg.ToBck)})
	if err != nil {
		return "", err
	}
	return c.doText(ctx, http.MethodPost, PathBuckets+url.PathEscape(src), nil, am, nil)
}

// Job returns the status of job id: its state, error and end time from
// the job's status, its counters, per target and summed, from the
// targets' snaps. The status is read first, so that the counters of a job
// it says is over are final.
func (c *Client) Job(ctx context.Context, id string) (*JobStatus, error) {
	if id == "" {
		return nil, fmt.Errorf("api: job status: empty job id")
	}
	st, err := c.XactStatus(ctx, id)
	if err != nil {
		return nil, err
	}
	snaps, err := c.XactSnaps(ctx, AisXactQuery{ID: id})
	if err != nil {
		return nil, fmt.Errorf("counters of job %s: %w", id, err)
	}
	return JobFromXact(st, snaps), nil
}

// Jobs lists every job the cluster knows of, in the order its proxy
// answers them (etlcore: oldest first).
func (c *Client) Jobs(ctx context.Context) ([]JobStatus, error) {
	var all []AisXactStatus
	q := url.Values{QparamWhat: {WhatXactStatusAll}}
	if err := c.doJSON(ctx, http.MethodGet, PathCluster, q, AisXactQuery{}, &all); err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	snaps, err := c.XactSnaps(ctx, AisXactQuery{})
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	out := make([]JobStatus, 0, len(all))
	for i := range all {
		out = append(out, *JobFromXact(&all[i], snaps))
	}
	return out, nil
}

// XactSnaps returns the snaps of the jobs q selects, by target
// (AIStore's what=qryxstats).
func (c *Client) XactSnaps(ctx context.Context, q AisXactQuery) (map[string][]AisXactSnap, error) {
	var out map[string][]AisXactSnap
	qs := url.Values{QparamWhat: {WhatXactQuery}}
	if err := c.doJSON(ctx, http.MethodGet, PathCluster, qs, q, &out); err != nil {
		return nil, fmt.Errorf("job snaps: %w", err)
	}
	return out, nil
}

// AbortJob aborts job id on every target (AIStore's "stop" action).
func (c *Client) AbortJob(ctx context.Context, id string) error {
	if id == "" {
		return fmt.Errorf("api: abort job: empty job id")
	}
	am, err := actMsg(ActXactStop, AisXactArgs{ID: id})
	if err != nil {
		return err
	}
	if err := c.doJSON(ctx, http.MethodPut, PathCluster, nil, am, nil); err != nil {
		return fmt.Errorf("abort job %s: %w", id, err)
	}
	return nil
}

// WaitJob polls job id every poll until it is over or ctx ends. Unlike
// WaitXaction, a job that failed or was aborted is no error: its state
// says so.
func (c *Client) WaitJob(ctx context.Context, id string, poll time.Duration) (*JobStatus, error) {
	return pollUntil(ctx, poll, "api: wait for job "+id, func() (*JobStatus, error) { return c.Job(ctx, id) },
		(*JobStatus).Finished)
}
