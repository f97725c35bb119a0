package loadgen

import (
	"math"
	"slices"
	"strings"
	"time"
)

// validate checks every setting of c (after applyDefaults) and returns
// the first problem as a *FieldError.
func (c *Config) validate() error {
	for _, check := range []func() error{
		c.validateCluster, c.validateDurations, c.validateLoad, c.validateSizes,
		c.validateLimits, c.validateETL, c.validateDisplay,
	} {
		if err := check(); err != nil {
			return err
		}
	}
	op, err := lookupOp(c.Op)
	if err != nil {
		return err
	}
	if err := c.validateShape(op.traits()); err != nil {
		return err
	}
	return op.check(c)
}

// validateCluster checks the proxy, the buckets and the operation name.
func (c *Config) validateCluster() error {
	if strings.TrimSpace(c.Proxy) == "" {
		return fieldErrf("proxy", "required: the cluster's proxy URL")
	}
	for _, u := range append([]string{c.Proxy}, c.Proxies...) {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return fieldErrf("proxy", "%q: want an http:// or https:// URL", u)
		}
	}
	if c.Bucket == "" {
		return fieldErrf("bucket", "required")
	}
	if err := checkBucketName(c.Bucket); err != nil {
		return fieldErrf("bucket", "%v", err)
	}
	if err := checkBucketName(c.DstBucket); err != nil {
		return fieldErrf("dst_bucket", "%v", err)
	}
	_, err := lookupOp(c.Op)
	return err
}

// validateDurations checks that no duration is negative and the stats
// interval is long enough to measure.
func (c *Config) validateDurations() error {
	for _, d := range []struct {
		field string
		v     time.Duration
	}{
		{"duration", c.Duration}, {"warmup", c.Warmup}, {"stats_interval", c.StatsInterval},
		{"max_lag", c.MaxLag}, {"timeout", c.Timeout}, {"drain_timeout", c.DrainTimeout}, {"job_poll", c.JobPoll},
	} {
		if d.v < 0 {
			return fieldErrf(d.field, "%s: must not be negative", d.v)
		}
	}
	if c.StatsInterval < 10*time.Millisecond {
		return fieldErrf("stats_interval", "%s: must be at least 10ms", c.StatsInterval)
	}
	return nil
}

// validateLoad checks the rate, the workers and the share of PUTs.
func (c *Config) validateLoad() error {
	if c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) {
		return fieldErrf("rate", "%v: must be a finite number >= 0 (0 = closed loop)", c.Rate)
	}
	if c.Rate > 1e7 {
		return fieldErrf("rate", "%v: at most 10,000,000 ops/s", c.Rate)
	}
	if c.Workers <= 0 {
		return fieldErrf("workers", "%d: must be > 0", c.Workers)
	}
	if c.Workers > 100000 {
		return fieldErrf("workers", "%d: at most 100000", c.Workers)
	}
	if c.PctPut < 0 || c.PctPut > 100 {
		return fieldErrf("pct_put", "%d: must be 0..100", c.PctPut)
	}
	return nil
}

// validateSizes checks the object size distribution.
func (c *Config) validateSizes() error {
	if c.MinSize < 0 {
		return fieldErrf("min_size", "%d: must be >= 0", c.MinSize)
	}
	if c.MaxSize < 0 {
		return fieldErrf("max_size", "%d: must be >= 0", c.MaxSize)
	}
	if len(c.Sizes) == 0 && c.MinSize > c.MaxSize {
		return fieldErrRel("min_size", []string{"max_size"}, "%[2]d is larger than %[1]s %[3]d", c.MinSize, c.MaxSize)
	}
	if err := c.SizeDist().Validate(); err != nil {
		return fieldErrf("sizes", "%v", err)
	}
	return nil
}

// validateLimits checks the counts that end or shape the run.
func (c *Config) validateLimits() error {
	for _, n := range []struct {
		field string
		v     int64
	}{
		{"max_puts", c.MaxPuts}, {"total_put_size", c.TotalPutSize}, {"epochs", int64(c.Epochs)},
		{"objects", int64(c.Objects)}, {"repeat", int64(c.Repeat)},
	} {
		if n.v < 0 {
			return fieldErrf(n.field, "%d: must be >= 0", n.v)
		}
	}
	return nil
}

// validateETL checks the settings of the ETL a run builds or uses.
func (c *Config) validateETL() error {
	if !slices.Contains(Comms, c.Comm) {
		return fieldErrf("comm", "%q: want hpush, hpull or ws", c.Comm)
	}
	if c.JobWorkers < -1 {
		return fieldErrf("job_workers", "%d: want 0 (auto), -1 (one per mountpath) or > 0", c.JobWorkers)
	}
	return nil
}

// validateDisplay checks the live display's name.
func (c *Config) validateDisplay() error {
	switch c.Display {
	case "auto", "bars", "lines", "none":
		return nil
	}
	return fieldErrf("display", "%q: want auto, bars, lines or none", c.Display)
}

// validateShape checks what every operation with traits t requires: an
// ETL, a destination other than the source, something that ends the run.
func (c *Config) validateShape(t opTraits) error {
	if t.etl && c.ETLName == "" && len(c.ETLSpec) == 0 {
		return fieldErrRel("etl_name", []string{"op", "etl_spec"}, "required by %[1]s %[3]s: the ETL to use (or %[2]s)", c.Op)
	}
	if t.dst && c.DstBucket == c.Bucket {
		return fieldErrRel("dst_bucket", []string{"bucket"}, "%[2]q is the source %[1]s", c.DstBucket)
	}
	if t.kind != kindJob && c.Duration == 0 && c.MaxPuts == 0 && c.TotalPutSize == 0 && c.Epochs == 0 {
		return fieldErrRel("duration", []string{"duration", "max_puts", "total_put_size", "epochs"},
			"nothing ends the run: set %[1]s, %[2]s, %[3]s or %[4]s")
	}
	if c.Epochs > 0 && c.Rate > 0 {
		return fieldErrRel("epochs", []string{"rate"}, "reads in order and %[1]s paces: use one of them")
	}
	return nil
}
