package proxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/etlbench/etlbench/etlcore/api"
)

// reply is one target's answer to a broadcast.
type reply struct {
	target api.NodeInfo
	status int
	body   []byte
	err    error
}

// failed reports whether the reply is a transport error or >= 400.
func (r *reply) failed() bool { return r.err != nil || r.status >= 400 }

// errString describes a failed reply, naming the target.
func (r *reply) errString() string {
	if r.err != nil {
		return fmt.Sprintf("target %s: %v", r.target.ID, r.err)
	}
	var eb struct {
		Message string `json:"message"`
	}
	msg := string(bytes.TrimSpace(r.body))
	if jsonUnmarshal(r.body, &eb) == nil && eb.Message != "" {
		msg = eb.Message
	}
	return fmt.Sprintf("target %s: %d %s", r.target.ID, r.status, msg)
}

// broadcast sends the same request to targets in parallel and collects
// their answers (bodies up to 64 MiB).
func (p *Proxy) broadcast(ctx context.Context, targets []api.NodeInfo, method, path string, body []byte) []reply {
	out := make([]reply, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func(i int, t api.NodeInfo) {
			defer wg.Done()
			out[i] = p.call(ctx, t, method, path, body)
		}(i, t)
	}
	wg.Wait()
	return out
}

// call sends one request to one target.
func (p *Proxy) call(ctx context.Context, t api.NodeInfo, method, path string, body []byte) reply {
	rp := reply{target: t}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.URL+path, rd)
	if err != nil {
		rp.err = err
		return rp
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	p.auth(req)
	resp, err := p.client.Do(req)
	if err != nil {
		rp.err = err
		return rp
	}
	defer resp.Body.Close()
	rp.status = resp.StatusCode
	rp.body, rp.err = io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	return rp
}

// aliveTargets returns the live targets, or an error naming the down ones.
func (p *Proxy) aliveTargets(requireAll bool) ([]api.NodeInfo, error) {
	sm := p.Smap()
	var alive []api.NodeInfo
	var down []string
	for _, t := range sm.Targets {
		if t.Alive {
			alive = append(alive, t)
		} else {
			down = append(down, t.ID)
		}
	}
	if len(alive) == 0 {
		return nil, fmt.Errorf("no live targets")
	}
	if requireAll && len(down) > 0 {
		return nil, fmt.Errorf("target(s) %v are down", down)
	}
	return alive, nil
}

// failures describes every failed reply, naming its target.
func failures(replies []reply) []string {
	var errs []string
	for i := range replies {
		if replies[i].failed() {
			errs = append(errs, replies[i].errString())
		}
	}
	return errs
}
