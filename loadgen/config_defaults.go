package loadgen

import "math"

// applyDefaults fills the settings c leaves at zero that have a default.
func (c *Config) applyDefaults() {
	if c.Op == "" {
		c.Op = OpGet
	}
	if c.DstBucket == "" && c.Bucket != "" {
		c.DstBucket = c.Bucket + "-out"
	}
	c.StatsInterval = orDefault(c.StatsInterval, DefaultStatsInterval)
	c.MaxLag = orDefault(c.MaxLag, DefaultMaxLag)
	c.DrainTimeout = orDefault(c.DrainTimeout, DefaultDrainTimeout)
	c.JobPoll = orDefault(c.JobPoll, DefaultJobPoll)
	if c.Workers == 0 {
		c.Workers = defaultWorkers(c.Rate)
	}
	if c.MaxSize == 0 && c.MinSize == 0 && len(c.Sizes) == 0 {
		c.MinSize, c.MaxSize = DefaultMinSize, DefaultMaxSize
	}
	if c.MaxSize == 0 && c.MinSize > 0 {
		c.MaxSize = c.MinSize
	}
	if c.Comm == "" {
		c.Comm = "hpush"
	}
	if c.Display == "" {
		c.Display = "auto"
	}
}

// defaultWorkers is the default of Config.Workers: DefaultWorkers in
// closed loop; in open loop enough to keep the rate with up to 100 ms per
// request.
func defaultWorkers(rate float64) int {
	if rate <= 0 || math.IsNaN(rate) || math.IsInf(rate, 0) {
		return DefaultWorkers
	}
	return min(max(int(math.Ceil(rate/10)), 16), 4096)
}

// orDefault is v, or def when v is zero.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
