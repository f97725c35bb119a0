package loadgen

import (
	"fmt"
	"strings"

	"github.com/etlbench/etlbench/reports/result"
)

// writeCosts prints the window's costs: per object by role group, then
// every process.
func writeCosts(sb *strings.Builder, c *result.Costs) {
	if c == nil {
		return
	}
	po := c.PerObject
	fmt.Fprintf(sb, "costs over %.1fs, %d objects: CPU per object", c.WindowSec, c.Objects)
	for _, g := range []string{result.RoleProxy, result.GroupTargets, result.GroupTransformers, result.RoleLoader} {
		if v, ok := po.CPUUS[g]; ok {
			fmt.Fprintf(sb, " %s %s", g, fmtUS(v))
		}
	}
	fmt.Fprintf(sb, "; bytes per object: client link %s, node links %s, transformers %s\n",
		fmtBytes(int64(po.ClientLinkBytes)), fmtBytes(int64(po.NodeLinkBytes)), fmtBytes(int64(po.TransformerBytes)))
	for _, r := range c.Roles {
		if r.NotAvailable != "" {
			fmt.Fprintf(sb, "  %-11s %-16s not available: %s\n", r.Role, r.ID, r.NotAvailable)
			continue
		}
		var rx, tx int64
		for _, nb := range r.Net {
			rx, tx = rx+nb.Rx, tx+nb.Tx
		}
		fmt.Fprintf(sb, "  %-11s %-16s CPU %7.2fs (%s/object) peak RSS %9s  net rx %9s tx %9s\n",
			r.Role, r.ID, r.CPUSeconds, fmtUS(r.CPUUSPerObject), fmtBytes(r.PeakRSSBytes), fmtBytes(rx), fmtBytes(tx))
	}
	for _, n := range c.NotAvailable {
		if !strings.Contains(n, ": ") || !strings.HasPrefix(n, "target ") && !strings.HasPrefix(n, "proxy ") && !strings.HasPrefix(n, "transformer ") {
			fmt.Fprintf(sb, "  not available: %s\n", n)
		}
	}
}
