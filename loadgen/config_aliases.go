package loadgen

import "strings"

// applyAliases reads the aisloader spellings of a setting as etlbench's:
// pct_put 100 with op get is op put, op put is pct_put 100, and a
// communication mode may be written as in a spec (HPUSH://).
func (c *Config) applyAliases() {
	if (c.Op == "" || c.Op == OpGet) && c.PctPut == 100 {
		c.Op = OpPut // aisloader's -pctput=100
	}
	if c.Op == OpPut && c.PctPut == 0 {
		c.PctPut = 100
	}
	c.Comm = strings.TrimSuffix(strings.ToLower(c.Comm), "://")
}
