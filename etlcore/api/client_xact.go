package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// AIStore's job (xaction) API as a client: start a job by kind (PUT
// /v1/cluster {"action":"start"}), read its status (GET
// /v1/cluster?what=status with the query as the body) and wait for its
// end. etlcore's proxies answer the same.

// StartXaction starts a job of kind on every target and returns its id.
func (c *Client) StartXaction(ctx context.Context, kind string) (string, error) {
	am, err := actMsg(ActXactStart, AisXactArgs{Kind: kind})
	if err != nil {
		return "", err
	}
	id, err := c.doText(ctx, http.MethodPut, PathCluster, nil, am, nil)
	if err != nil {
		return "", fmt.Errorf("start job %s: %w", kind, err)
	}
	if id == "" {
		return "", fmt.Errorf("start job %s: the proxy answered no job id", kind)
	}
	return id, nil
}

// XactStatus returns the status of job id.
func (c *Client) XactStatus(ctx context.Context, id string) (*AisXactStatus, error) {
	var st AisXactStatus
	q := url.Values{QparamWhat: {WhatXactStatus}}
	if err := c.doJSON(ctx, http.MethodGet, PathCluster, q, AisXactQuery{ID: id}, &st); err != nil {
		return nil, fmt.Errorf("status of job %s: %w", id, err)
	}
	return &st, nil
}

// WaitXaction polls job id every poll until it is over or ctx ends; a job
// that was aborted or ended with an error is an error that names it.
func (c *Client) WaitXaction(ctx context.Context, id string, poll time.Duration) (*AisXactStatus, error) {
	st, err := pollUntil(ctx, poll, "wait for job "+id, func() (*AisXactStatus, error) { return c.XactStatus(ctx, id) },
		(*AisXactStatus).Finished)
	switch {
	case err != nil:
		return st, err
	case st.Aborted:
		return st, fmt.Errorf("job %s (%s) was aborted: %s", id, st.Kind, st.Err)
	case st.Err != "":
		return st, fmt.Errorf("job %s (%s) failed: %s", id, st.Kind, st.Err)
	}
	return st, nil
}

// pollUntil calls get every poll (default 100 ms) until done says its
// answer is final, get fails or ctx ends (an error that starts with what).
func pollUntil[T any](ctx context.Context, poll time.Duration, what string, get func() (*T, error), done func(*T) bool) (*T, error) {
	if poll <= 0 {
		poll = 100 * time.Millisecond
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		v, err := get()
		if err != nil {
			return nil, err
		}
		if done(v) {
			return v, nil
		}
		select {
		case <-ctx.Done():
			return v, fmt.Errorf("%s: %w", what, ctx.Err())
		case <-t.C:
		}
	}
}
