package target

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// noticeFor bounds how long a target keeps trying to tell the cluster of
// an event: longer than a failover of the primary proxy takes.
const noticeFor = 20 * time.Second

// tellPrimary POSTs body to path on the primary proxy of the target's
// map; while that fails (the primary is gone and a failover is under
// way) it tries every other proxy it knows of (each forwards to the
// primary it knows), again and again for up to noticeFor.
func (t *Target) tellPrimary(path string, body []byte) error {
	deadline := time.Now().Add(noticeFor)
	var lastErr error
	for {
		for _, u := range t.noticeURLs() {
			if lastErr = t.post(u+path, body); lastErr == nil {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no proxy took it within %v: %w", noticeFor, lastErr)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// noticeURLs is the primary of the map first, then every other proxy of
// the map and of Config.ProxyURL.
func (t *Target) noticeURLs() []string {
	seen := map[string]bool{}
	var out []string
	add := func(u string) {
		if u != "" && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	add(t.primaryURL())
	if sm := t.smap.Load(); sm != nil {
		for _, p := range sm.AllProxies() {
			add(p.URL)
		}
	}
	for _, u := range t.proxyURLs() {
		add(u)
	}
	return out
}

// post sends one notice; any answer below 300 is taken.
func (t *Target) post(url string, body []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set(api.HdrContentType, "application/json")
	if t.cfg.AuthToken != "" {
		req.Header.Set(api.HdrAuthorization, "Bearer "+t.cfg.AuthToken)
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("POST %s: status %d", url, resp.StatusCode)
	}
	return nil
}
