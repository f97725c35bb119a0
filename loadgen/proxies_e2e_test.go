package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// TestLoadSpreadsOverProxies: with Proxies, the workers' object requests
// go to every proxy of a cluster of three (each proxy's client bytes
// grow by about a third of the load's), and the run has no errors.
func TestLoadSpreadsOverProxies(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: skipped with -short")
	}
	tc := testcluster.Start(t, testcluster.Options{Targets: 2, Proxies: 3})
	ctx := context.Background()
	before := make([]int64, 3)
	for i := range before {
		before[i] = clientRx(t, tc.ProxyURLs[i])
	}
	cfg := Config{Proxy: tc.ProxyURLs[0], Proxies: tc.ProxyURLs[1:], Bucket: "spread", Op: OpPut, Cleanup: true, OutDir: t.TempDir(),
		StatsInterval: 500 * time.Millisecond, Seed: 9, Sizes: []WeightedSize{{Size: 4 << 10, Weight: 1}}, Display: "none",
		Workers: 6, Duration: time.Second}
	if _, err := Run(ctx, cfg, nil); err != nil {
		t.Fatal(err)
	}
	res, err := ReadResult(cfg.OutDir)
	if err != nil {
		t.Fatal(err)
	}
	put := res.Summary[OpPut]
	if put.Ops < 30 || put.Errors != 0 {
		t.Fatalf("PUTs through 3 proxies: %+v", put)
	}
	var grew []int64
	var total int64
	for i := range before {
		d := clientRx(t, tc.ProxyURLs[i]) - before[i]
		grew, total = append(grew, d), total+d
	}
	for i, d := range grew {
		if d < total/6 {
			t.Fatalf("client bytes received by p1..p3: %v: p%d got less than half its share", grew, i+1)
		}
	}
	t.Logf("%d PUTs; client bytes received by p1..p3: %v", put.Ops, grew)
	if got := cfg.Map()["proxy"]; got != strings.Join(tc.ProxyURLs, ",") {
		t.Errorf("config proxy %q, want every proxy", got)
	}
	if _, err := api.NewClient(tc.ProxyURLs[2]).ListBuckets(ctx); err != nil {
		t.Fatal(err)
	}
}

// clientRx reads a proxy's client bytes received from its /metrics.
func clientRx(t *testing.T, proxy string) int64 {
	t.Helper()
	resp, err := http.Get(proxy + api.PathMetrics)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "etlcore_net_bytes_total{") && strings.Contains(line, `conn="client"`) && strings.Contains(line, `dir="rx"`) {
			var n int64
			if _, err := fmt.Sscanf(line[strings.LastIndexByte(line, ' ')+1:], "%d", &n); err != nil {
				t.Fatalf("metrics line %q: %v", line, err)
			}
			return n
		}
	}
	t.Fatalf("no client rx bytes in %s's metrics", proxy)
	return 0
}
