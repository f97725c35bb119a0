package loadgen

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/testcluster"
	"github.com/etlbench/etlbench/reports/result"
)

// TestCostsE2E reads the costs of real runs from result.json: every role
// that worked has CPU and bytes, and the bytes add up.
func TestCostsE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: skipped with -short")
	}
	tc := testcluster.Start(t, testcluster.Options{Targets: 2})
	ctx := context.Background()
	base := func(bck string) Config {
		return Config{Proxy: tc.ProxyURL, Bucket: bck, StatsInterval: 500 * time.Millisecond, Seed: 5,
			Sizes: []WeightedSize{{Size: 128 << 10, Weight: 1}}, Display: "none", Workers: 4, Duration: 1500 * time.Millisecond}
	}
	role := func(t *testing.T, c *result.Costs, role, id string) result.RoleCost {
		t.Helper()
		for _, r := range c.Roles {
			if r.Role == role && r.ID == id {
				return r
			}
		}
		t.Fatalf("no role %s %s in %+v", role, id, c.Roles)
		return result.RoleCost{}
	}

	t.Run("put", func(t *testing.T) {
		cfg := base("costs-put")
		cfg.Op, cfg.Cleanup, cfg.OutDir = OpPut, true, t.TempDir()
		if _, err := Run(ctx, cfg, nil); err != nil {
			t.Fatal(err)
		}
		res, err := ReadResult(cfg.OutDir)
		if err != nil {
			t.Fatal(err)
		}
		c, put := res.Costs, res.Summary[OpPut]
		if c == nil || put.Ops == 0 {
			t.Fatalf("costs %+v put %+v notes %v", c, put, res.Notes)
		}
		// The window ends when the issuing stops: the PUTs drained after
		// it are in the summary, not in the window.
		if len(c.NotAvailable) > 0 || c.Objects <= 0 || c.Objects > put.Ops || c.WindowSec <= 0 {
			t.Errorf("costs: objects %d (PUTs %d), window %.2fs, not available %v", c.Objects, put.Ops, c.WindowSec, c.NotAvailable)
		}
		putBytes := int64(c.MiB * (1 << 20))
		if putBytes != c.Objects*(128<<10) {
			t.Errorf("the window's payload %d bytes, want %d objects of 128 KiB", putBytes, c.Objects)
		}
		var targetRx int64
		for _, id := range []string{"t1", "t2"} {
			r := role(t, c, result.RoleTarget, id)
			if r.CPUSeconds <= 0 || r.PeakRSSBytes <= 0 || r.CPUUSPerObject <= 0 {
				t.Errorf("target %s: %+v", id, r)
			}
			for _, nb := range r.Net {
				targetRx += nb.Rx
			}
		}
		if targetRx < putBytes {
			t.Errorf("targets received %d bytes, the loader PUT %d", targetRx, putBytes)
		}
		ld := role(t, c, result.RoleLoader, "loader")
		if ld.CPUSeconds <= 0 || ld.Net["client"].Tx < putBytes {
			t.Errorf("loader %+v: sent less than the %d bytes it PUT", ld, putBytes)
		}
		if p := role(t, c, result.RoleProxy, "p1"); p.CPUSeconds <= 0 || p.Net["client"].Rx == 0 {
			t.Errorf("proxy %+v: redirected every PUT, so it received requests", p)
		}
		if c.PerObject.ClientLinkBytes < float64(128<<10) || c.PerObject.CPUUS[result.GroupCluster] <= 0 {
			t.Errorf("per object %+v", c.PerObject)
		}
	})

	if err := Populate(ctx, tc.Client, "costs-src", 40, SizeDist{Min: 128 << 10, Max: 128 << 10}, nil); err != nil {
		t.Fatal(err)
	}
	t.Run("inline-md5", func(t *testing.T) {
		cfg := base("costs-src")
		cfg.Op, cfg.ETLName, cfg.Comm, cfg.Warmup, cfg.OutDir = OpETLGet, "md5", "hpush", 500*time.Millisecond, t.TempDir()
		res, err := Run(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		c, g := res.Costs, res.Summary[OpETLGet]
		if c == nil || g.Ops == 0 || g.Errors != 0 {
			t.Fatalf("costs %+v etl-get %+v notes %v", c, g, res.Notes)
		}
		if c.WindowStartSec < 0.4 {
			t.Errorf("the window starts %.2fs into the run, before the warm-up's end", c.WindowStartSec)
		}
		var tfCPU float64
		var toTransformers int64
		for _, r := range c.Roles {
			switch r.Role {
			case result.RoleTransformer:
				tfCPU += r.CPUSeconds
			case result.RoleTarget:
				toTransformers += r.Net["transformer"].Tx
			}
		}
		// The transformer reads each object from the target's disk (etl_fqn):
		// its connection carries requests and 32-byte answers.
		if tfCPU <= 0 || toTransformers < g.Ops*32 {
			t.Errorf("transformers: CPU %.3fs, %d bytes sent to them for %d objects", tfCPU, toTransformers, g.Ops)
		}
		// md5 answers 32 bytes: the client link carries little per object.
		if po := c.PerObject; po.ClientLinkBytes <= 32 || po.ClientLinkBytes > 16<<10 || po.TransformerBytes <= 32 {
			t.Errorf("per object %+v", po)
		}
	})

	// The client-side baselines move the whole object over the client link.
	t.Run("client-etl-get", func(t *testing.T) {
		cfg := base("costs-src")
		cfg.Op, cfg.ETLName = OpClientETLGet, "md5"
		res, err := Run(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		g := res.Summary[OpClientETLGet]
		if g.Ops == 0 || g.Errors != 0 || g.BytesOut != g.Ops*(128<<10) {
			t.Fatalf("client-etl-get %+v notes %v", g, res.Notes)
		}
		if po := res.Costs.PerObject; po.ClientLinkBytes < 128<<10 || po.TransformerBytes != 0 {
			t.Errorf("per object %+v: want the whole object over the client link, nothing to transformers", po)
		}
	})
	t.Run("client-etl-copy", func(t *testing.T) {
		cfg := base("costs-src")
		cfg.Op, cfg.ETLName, cfg.DstBucket, cfg.Epochs, cfg.Duration = OpClientETLCopy, "echo", "costs-copy", 1, 0
		res, err := Run(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		g := res.Summary[OpClientETLCopy]
		if g.Ops != 40 || g.Errors != 0 || g.BytesIn != 40*(128<<10) {
			t.Fatalf("client-etl-copy %+v notes %v", g, res.Notes)
		}
		l, err := tc.Client.ListAll(ctx, "costs-copy", "")
		if err != nil || len(l) != 40 {
			t.Fatalf("destination holds %d objects (%v), want 40", len(l), err)
		}
		a, err1 := tc.Client.GetObjectBytes(ctx, "costs-src", l[0].Name, api.GetOpts{})
		b, err2 := tc.Client.GetObjectBytes(ctx, "costs-copy", l[0].Name, api.GetOpts{})
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Errorf("echo copy of %s differs from its source (%v, %v)", l[0].Name, err1, err2)
		}
		if po := res.Costs.PerObject; po.ClientLinkBytes < 2*(128<<10) {
			t.Errorf("per object %+v: want the object over the client link twice (GET, PUT)", po)
		}
	})
}
