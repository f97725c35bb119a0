package aisnode

import (
	"context"
	"net/http"

	"github.com/etlbench/etlbench/etlcore/api"
)

// countTargets asks the proxy how many live targets its cluster map holds.
func countTargets(ctx context.Context, hc *http.Client, proxy string) (int, error) {
	c := api.NewClient(proxy)
	c.HTTP = hc
	sm, err := c.Smap(ctx)
	if err != nil {
		return 0, err
	}
	return sm.AliveTargets(), nil
}
