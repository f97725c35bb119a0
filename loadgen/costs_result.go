package loadgen

import (
	"sort"

	"github.com/etlbench/etlbench/etlcore/cluster"
	"github.com/etlbench/etlbench/etlcore/netcount"
	"github.com/etlbench/etlbench/reports/result"
)

// roleOrder sorts the roles: proxy, targets, transformers, loader.
var roleOrder = map[string]int{result.RoleProxy: 0, result.RoleTarget: 1, result.RoleTransformer: 2, result.RoleLoader: 3}

// costs computes the window's costs from the collector's snapshots, for
// objects operations moving mib MiB (the summary's; the operations done
// within the window when the collector counts them); res is the result.
func (cc *costCollector) costs(objects int64, mib float64, res *result.Result) *result.Costs {
	cc.mu.Lock()
	base, last, peak := cc.base, cc.last, cc.peak
	cc.mu.Unlock()
	c := &result.Costs{Network: "nodes", Objects: objects, MiB: mib}
	if cc.links != nil {
		c.Network = "links"
	}
	if base == nil || last == nil {
		c.NotAvailable = append(c.NotAvailable, "the measured window did not start (the run ended in its warm-up)")
		return c
	}
	if cc.work != nil {
		objects, mib = last.ops-base.ops, float64(last.payload-base.payload)/(1<<20)
		c.Objects, c.MiB = objects, mib
	}
	c.WindowStartSec = base.at.Sub(res.Start).Seconds()
	c.WindowSec = last.at.Sub(base.at).Seconds()
	seen := map[string]bool{}
	for _, n := range append(base.notes, last.notes...) {
		if !seen[n] {
			seen[n] = true
			c.NotAvailable = append(c.NotAvailable, n)
		}
	}
	c.Roles, c.NotAvailable = roleCosts(base, last, peak, objects, mib, c.NotAvailable)
	if last.linkErr != "" || base.linkErr != "" {
		c.NotAvailable = append(c.NotAvailable, "link counters: "+last.linkErr+base.linkErr)
	} else if last.links != nil {
		c.Links = linkCosts(base, last)
	}
	c.PerObject = perObject(c)
	return c
}

// roleCosts is every process's cost over the window from base to last,
// in role order, and notAvail with what could not be had.
func roleCosts(base, last *costSnap, peak map[string]int64, objects int64, mib float64, notAvail []string) ([]result.RoleCost, []string) {
	var roles []result.RoleCost
	for k, p := range last.procs {
		b, inBase := base.procs[k]
		rc := roleCost(p, b, inBase, peak[k], objects, mib)
		if rc.NotAvailable != "" {
			notAvail = append(notAvail, p.role+" "+p.id+": "+rc.NotAvailable)
		}
		roles = append(roles, rc)
	}
	for k, p := range base.procs {
		if _, ok := last.procs[k]; !ok {
			rc := result.RoleCost{Role: p.role, ID: p.id, NotAvailable: "gone before the window's end"}
			notAvail = append(notAvail, p.role+" "+p.id+": "+rc.NotAvailable)
			roles = append(roles, rc)
		}
	}
	sort.Slice(roles, func(i, j int) bool {
		a, b := roles[i], roles[j]
		if roleOrder[a.Role] != roleOrder[b.Role] {
			return roleOrder[a.Role] < roleOrder[b.Role]
		}
		return a.ID < b.ID
	})
	return roles, notAvail
}

// roleCost is process p's cost since b (its counters at the window's
// start, when inBase; a process missing then, such as a transformer
// started in the window, counts from zero).
func roleCost(p, b procSnap, inBase bool, peak, objects int64, mib float64) result.RoleCost {
	rc := result.RoleCost{Role: p.role, ID: p.id}
	switch {
	case p.err != "":
		rc.NotAvailable = p.err
		return rc
	case inBase && b.err != "":
		rc.NotAvailable = "at the window's start: " + b.err
		return rc
	}
	rc.CPUSeconds = max(p.cpu-b.cpu, 0)
	rc.PeakRSSBytes = peak
	for cl, nb := range p.net {
		if cl == netcount.Monitor.String() {
			continue // the collector's own polling
		}
		if rc.Net == nil {
			rc.Net = map[string]result.NetBytes{}
		}
		rc.Net[cl] = result.NetBytes{Rx: nb.Rx - b.net[cl].Rx, Tx: nb.Tx - b.net[cl].Tx}
	}
	if objects > 0 {
		rc.CPUUSPerObject = rc.CPUSeconds * 1e6 / float64(objects)
	}
	if mib > 0 {
		rc.CPUUSPerMiB = rc.CPUSeconds * 1e6 / mib
	}
	return rc
}

// linkCosts is every emulated link's bytes over the window, the client
// link first.
func linkCosts(base, last *costSnap) []result.LinkBytes {
	var links []result.LinkBytes
	for name, l := range last.links {
		b := base.links[name]
		links = append(links, result.LinkBytes{Link: name, Rx: l.Rx - b.Rx, Tx: l.Tx - b.Tx})
	}
	sort.Slice(links, func(i, j int) bool {
		if (links[i].Link == "client") != (links[j].Link == "client") {
			return links[i].Link == "client"
		}
		return links[i].Link < links[j].Link
	})
	return links
}

// perObject divides the window's totals by its objects (and MiB).
func perObject(c *result.Costs) result.CostPerObject {
	po := result.CostPerObject{CPUUS: map[string]float64{}, CPUUSPerMiB: map[string]float64{}}
	cpu := map[string]float64{}
	var clientBytes, nodeBytes, tfBytes float64
	for _, r := range c.Roles {
		if r.NotAvailable != "" {
			continue
		}
		switch r.Role {
		case result.RoleProxy:
			cpu[result.RoleProxy] += r.CPUSeconds
			cpu[result.GroupCluster] += r.CPUSeconds
			nodeBytes += float64(r.Net[netcount.Intra.String()].Rx)
		case result.RoleTarget:
			cpu[result.GroupTargets] += r.CPUSeconds
			cpu[result.GroupCluster] += r.CPUSeconds
			nodeBytes += float64(r.Net[netcount.Intra.String()].Rx)
			t := r.Net[netcount.Transformer.String()]
			tfBytes += float64(t.Rx + t.Tx)
		case result.RoleTransformer:
			cpu[result.GroupTransformers] += r.CPUSeconds
			cpu[result.GroupCluster] += r.CPUSeconds
		case result.RoleLoader:
			cpu[result.RoleLoader] += r.CPUSeconds
			l := r.Net[netcount.Client.String()]
			clientBytes += float64(l.Rx + l.Tx)
		}
	}
	if len(c.Links) > 0 {
		var client, nodes float64
		for _, l := range c.Links {
			if l.Link == "client" {
				client += float64(l.Rx + l.Tx)
			} else {
				nodes += float64(l.Rx + l.Tx)
			}
		}
		clientBytes = client
		nodeBytes = max(nodes-client, 0) / 2
	}
	if c.Objects > 0 {
		n := float64(c.Objects)
		for g, v := range cpu {
			po.CPUUS[g] = v * 1e6 / n
		}
		po.ClientLinkBytes = clientBytes / n
		po.NodeLinkBytes = nodeBytes / n
		po.TransformerBytes = tfBytes / n
	}
	if c.MiB > 0 {
		for g, v := range cpu {
			po.CPUUSPerMiB[g] = v * 1e6 / c.MiB
		}
	}
	return po
}

// windowWork is the objects and MiB of the measured window: every
// operation's count and payload (the larger of bytes sent and received).
func (r *runner) windowWork() (int64, float64, *result.Result) {
	var n int64
	var b float64
	for _, s := range r.res.Summary {
		n += s.Ops
		b += float64(max(s.BytesIn, s.BytesOut)) / (1 << 20)
	}
	return n, b, r.res
}

// remoteShare is the share of the source objects whose destination (the
// same name in the destination bucket) another target owns, by etlcore's
// placement: the objects a transform-copy or an offline job must send
// over a node link. Nil for other operations.
func (r *runner) remoteShare() *float64 {
	if !r.main.traits().dst || r.costs == nil || r.costs.smap == nil || len(r.pool.listed) == 0 {
		return nil
	}
	remote := 0
	for _, e := range r.pool.listed {
		src, err1 := cluster.Owner(r.costs.smap, r.cfg.Bucket, e.Name)
		dst, err2 := cluster.Owner(r.costs.smap, r.cfg.DstBucket, e.Name)
		if err1 != nil || err2 != nil {
			return nil
		}
		if src.ID != dst.ID {
			remote++
		}
	}
	v := float64(remote) / float64(len(r.pool.listed))
	return &v
}
