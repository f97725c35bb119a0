package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// AIStore's node flags that take a node out of service (maintenance,
// decommission).
const aisFlagsOut = 1<<2 | 1<<3

// Smap returns the cluster map from AIStore's GET /v1/daemon?what=smap
// (etlcore serves it too). A target in maintenance or being
// decommissioned is not alive.
func (c *Client) Smap(ctx context.Context) (*Smap, error) {
	var a AisSmap
	if err := c.doJSON(ctx, http.MethodGet, PathDaemon, url.Values{QparamWhat: {WhatSmap}}, nil, &a); err != nil {
		return nil, err
	}
	if a.Tmap == nil && a.Primary == nil {
		return nil, fmt.Errorf("api: GET %s?what=smap: the answer is not a cluster map (no tmap, no proxy_si)", PathDaemon)
	}
	s := a.FromAis()
	for i, t := range s.Targets {
		if n := a.Tmap[t.ID]; n != nil && n.Flags&aisFlagsOut != 0 {
			s.Targets[i].Alive = false
		}
	}
	return &s, nil
}

// WaitTargets polls the cluster map every poll until it lists n live
// targets or ctx ends (the error then says how many had joined).
func (c *Client) WaitTargets(ctx context.Context, n int, poll time.Duration) error {
	var last string
	for {
		sm, err := c.Smap(ctx)
		if err == nil {
			alive := sm.AliveTargets()
			if alive >= n {
				return nil
			}
			last = fmt.Sprintf("%d of %d targets joined", alive, n)
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d targets: %w (%s)", n, ctx.Err(), last)
		case <-time.After(poll):
		}
	}
}

// AliveTargets counts the live targets of s.
func (s *Smap) AliveTargets() int {
	n := 0
	for _, t := range s.Targets {
		if t.Alive {
			n++
		}
	}
	return n
}
