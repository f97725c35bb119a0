package loadgen

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestConfigErrors(t *testing.T) {
	ok := func() Config {
		return Config{Proxy: "http://127.0.0.1:1", Bucket: "b", Duration: time.Second}
	}
	cases := []struct {
		name  string
		mod   func(c *Config)
		field string
		want  string
	}{
		{"no proxy", func(c *Config) { c.Proxy = "" }, "proxy", "proxy: required"},
		{"bad proxy", func(c *Config) { c.Proxy = "127.0.0.1:80" }, "proxy", "http://"},
		{"no bucket", func(c *Config) { c.Bucket = "" }, "bucket", "bucket: required"},
		{"bad bucket", func(c *Config) { c.Bucket = "a/b" }, "bucket", "only letters"},
		{"bad op", func(c *Config) { c.Op = "delete" }, "op", `op: "delete": want one of get, put`},
		{"negative workers", func(c *Config) { c.Workers = -1 }, "workers", "workers: -1: must be > 0"},
		{"negative rate", func(c *Config) { c.Rate = -5 }, "rate", "rate: -5"},
		{"NaN rate", func(c *Config) { c.Rate = math.NaN() }, "rate", "rate: NaN"},
		{"pctput 101", func(c *Config) { c.PctPut = 101 }, "pct_put", "pct_put: 101: must be 0..100"},
		{"put with pctput", func(c *Config) { c.Op, c.PctPut = OpPut, 50 }, "pct_put", "op put is 100% PUT, got 50 (PUTs among GETs: op mixed)"},
		{"mixed without pctput", func(c *Config) { c.Op = OpMixed }, "pct_put", "pct_put: op mixed needs 1..99, got 0"},
		{"min > max", func(c *Config) { c.MinSize, c.MaxSize = 10, 5 }, "min_size", "min_size: 10 is larger than max_size 5"},
		{"bad weight", func(c *Config) { c.Sizes = []WeightedSize{{Size: 10, Weight: 0}} }, "sizes", "weight"},
		{"etl-get without etl", func(c *Config) { c.Op = OpETLGet }, "etl_name", "etl_name: required by op etl-get: the ETL to use (or etl_spec)"},
		{"list with pctput", func(c *Config) { c.Op, c.PctPut = OpList, 10 }, "pct_put", "pct_put: does not apply to op list"},
		{"bad comm", func(c *Config) { c.Comm = "grpc" }, "comm", `comm: "grpc"`},
		{"nothing ends", func(c *Config) { c.Duration = 0 }, "duration", "duration: nothing ends the run: set duration, max_puts, total_put_size or epochs"},
		{"epochs and rate", func(c *Config) { c.Epochs, c.Rate = 1, 10 }, "epochs", "epochs: reads in order and rate paces"},
		{"tiny interval", func(c *Config) { c.StatsInterval = time.Millisecond }, "stats_interval", "stats_interval: 1ms: must be at least 10ms"},
		{"negative warmup", func(c *Config) { c.Warmup = -time.Second }, "warmup", "warmup: -1s: must not be negative"},
		{"negative duration", func(c *Config) { c.Duration = -time.Second }, "duration", "duration: -1s: must not be negative"},
		{"offline with rate", func(c *Config) { c.Op, c.ETLName, c.Rate = OpETLBucket, "md5", 5 }, "rate", "rate: does not apply to op etl-bucket"},
		{"offline with pctput", func(c *Config) { c.Op, c.ETLName, c.PctPut = OpETLMulti, "md5", 5 }, "pct_put", "pct_put: does not apply to op etl-multi"},
		{"same dst", func(c *Config) { c.Op, c.ETLName, c.DstBucket = OpETLCopy, "md5", "b" }, "dst_bucket", `dst_bucket: "b" is the source bucket`},
		{"bad template", func(c *Config) { c.Op, c.ETLName, c.Template = OpETLMulti, "md5", "plain" }, "template", "template: \"plain\""},
		{"bad display", func(c *Config) { c.Display = "fancy" }, "display", "display: \"fancy\""},
		{"job workers", func(c *Config) { c.JobWorkers = -2 }, "job_workers", "job_workers: -2"},
		{"client op with spec", func(c *Config) { c.Op, c.ETLSpec = OpClientETLGet, []byte("{}") }, "etl_spec", "etl_spec: does not apply to op client-etl-get"},
		{"client op without etl", func(c *Config) { c.Op = OpClientETLCopy }, "etl_name", "etl_name: required by op client-etl-copy"},
		{"client op, not built in", func(c *Config) { c.Op, c.ETLName = OpClientETLGet, "nope" }, "etl_name", `etl_name: "nope": not a built-in transformer`},
		{"client op with verify", func(c *Config) { c.Op, c.ETLName, c.Verify = OpClientETLGet, "md5", true }, "verify", "verify: does not apply to op client-etl-get"},
		{"negative objects", func(c *Config) { c.Objects = -1 }, "objects", "objects: -1: must be >= 0"},
	}
	for _, tc := range cases {
		c := ok()
		tc.mod(&c)
		err := c.Normalize()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want a FieldError of %s with %q", tc.name, err, tc.field, tc.want)
			continue
		}
		if !slices.Contains(FieldNames, fe.Field) {
			t.Errorf("%s: field %s is not in FieldNames", tc.name, fe.Field)
		}
		// Render names every setting the message mentions through its function.
		upper := fe.Render(strings.ToUpper)
		if !strings.HasPrefix(upper, strings.ToUpper(tc.field)+": ") {
			t.Errorf("%s: Render = %q", tc.name, upper)
		}
	}
	c := ok()
	if err := c.Normalize(); err != nil {
		t.Fatal(err)
	}
	if c.Workers != DefaultWorkers || c.Op != OpGet || c.Comm != "hpush" || c.MinSize != 1024 || c.MaxSize != 1<<20 || c.DstBucket != "b-out" {
		t.Errorf("defaults: %+v", c)
	}
	again := c
	if err := again.Normalize(); err != nil || again.Op != c.Op {
		t.Errorf("Normalize is not idempotent: %v", err)
	}
	c = ok()
	c.PctPut = 100
	if c.Normalize(); c.Op != OpPut {
		t.Errorf("pctput 100 is --op put, got %s", c.Op)
	}
}

func TestSizes(t *testing.T) {
	good := map[string]int64{"0": 0, "1024": 1024, "4KiB": 4096, "4k": 4096, "1.5MiB": 3 << 19, "8M": 8 << 20, "2GB": 2 << 30, "10B": 10}
	for in, want := range good {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "abc", "1XB", "99999999999TiB", "NaN"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
	ws, err := ParseSizeList("4KiB:3, 1MiB")
	if err != nil || len(ws) != 2 || ws[0] != (WeightedSize{4096, 3}) || ws[1] != (WeightedSize{1 << 20, 1}) {
		t.Errorf("ParseSizeList: %v %v", ws, err)
	}
	for _, in := range []string{"4KiB:0", "4KiB:x", ",", "zz:1"} {
		if _, err := ParseSizeList(in); err == nil {
			t.Errorf("ParseSizeList(%q) accepted", in)
		}
	}
	d := SizeDist{Weighted: ws}
	r := rand.New(rand.NewPCG(1, 2))
	small := 0
	for i := 0; i < 4000; i++ {
		if d.Pick(r) == 4096 {
			small++
		}
	}
	if small < 2800 || small > 3200 {
		t.Errorf("weight 3:1 gave %d of 4000 small", small)
	}
	u := SizeDist{Min: 10, Max: 20}
	for i := 0; i < 1000; i++ {
		if v := u.Pick(r); v < 10 || v > 20 {
			t.Fatalf("uniform pick %d", v)
		}
	}
	if d.String() != "4KiB:3,1MiB:1" || u.String() != "10B..20B" || FormatSize(3<<20) != "3MiB" {
		t.Errorf("String: %s %s", d.String(), u.String())
	}
}

func TestContentReproducible(t *testing.T) {
	a, b := NewContent(5), NewContent(5)
	x, y := a.Bytes(3, 10000), b.Bytes(3, 10000)
	if string(x) != string(y) {
		t.Error("same seed, different content")
	}
	if string(a.Bytes(4, 10000)) == string(x) {
		t.Error("objects share content")
	}
	big := a.Bytes(9, contentBlockSize+12345) // wraps around the block
	if len(big) != contentBlockSize+12345 {
		t.Error("wrong length")
	}
}

func TestEveryOpHasAnOperation(t *testing.T) {
	for _, op := range Ops {
		if _, ok := operations[op]; !ok {
			t.Errorf("op %s has no operation", op)
		}
	}
	if len(operations) != len(Ops) {
		t.Errorf("%d operations for %d ops", len(operations), len(Ops))
	}
}

func TestFieldErrorRenderNamesEverySetting(t *testing.T) {
	c := Config{Proxy: "http://127.0.0.1:1", Bucket: "b"}
	err := c.Normalize()
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("got %v, want a FieldError", err)
	}
	got := fe.Render(func(f string) string { return "<" + f + ">" })
	want := "<duration>: nothing ends the run: set <duration>, <max_puts>, <total_put_size> or <epochs>"
	if got != want {
		t.Errorf("Render = %q, want %q", got, want)
	}
}
