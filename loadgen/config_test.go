package loadgen

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestConfigErrors(t *testing.T) {
	ok := func() Config {
		return Config{Proxy: "http://127.0.0.1:1", Bucket: "b", Duration: time.Second}
	}
	cases := []struct {
		name string
		mod  func(c *Config)
		want string
	}{
		{"no proxy", func(c *Config) { c.Proxy = "" }, "no proxy"},
		{"bad proxy", func(c *Config) { c.Proxy = "127.0.0.1:80" }, "http://"},
		{"no bucket", func(c *Config) { c.Bucket = "" }, "--bucket is required"},
		{"bad bucket", func(c *Config) { c.Bucket = "a/b" }, "only letters"},
		{"bad op", func(c *Config) { c.Op = "delete" }, "--op \"delete\""},
		{"negative workers", func(c *Config) { c.Workers = -1 }, "--numworkers"},
		{"negative rate", func(c *Config) { c.Rate = -5 }, "--rate"},
		{"NaN rate", func(c *Config) { c.Rate = math.NaN() }, "--rate"},
		{"pctput 101", func(c *Config) { c.PctPut = 101 }, "--pctput 101"},
		{"put with pctput", func(c *Config) { c.Op, c.PctPut = OpPut, 50 }, "--op mixed"},
		{"mixed without pctput", func(c *Config) { c.Op = OpMixed }, "--op mixed needs --pctput"},
		{"min > max", func(c *Config) { c.MinSize, c.MaxSize = 10, 5 }, "minsize 10 is larger than maxsize 5"},
		{"bad weight", func(c *Config) { c.Sizes = []WeightedSize{{Size: 10, Weight: 0}} }, "weight"},
		{"etl-get without etl", func(c *Config) { c.Op = OpETLGet }, "needs an ETL"},
		{"list with pctput", func(c *Config) { c.Op, c.PctPut = OpList, 10 }, "--op list"},
		{"bad comm", func(c *Config) { c.Comm = "grpc" }, "--comm"},
		{"nothing ends", func(c *Config) { c.Duration = 0 }, "nothing ends the run"},
		{"epochs and rate", func(c *Config) { c.Epochs, c.Rate = 1, 10 }, "--epochs"},
		{"tiny interval", func(c *Config) { c.StatsInterval = time.Millisecond }, "--statsinterval"},
		{"negative duration", func(c *Config) { c.Warmup = -time.Second }, "negative"},
		{"offline with rate", func(c *Config) { c.Op, c.ETLName, c.Rate = OpETLBucket, "md5", 5 }, "--rate does not apply"},
		{"same dst", func(c *Config) { c.Op, c.ETLName, c.DstBucket = OpETLCopy, "md5", "b" }, "is the source bucket"},
		{"bad template", func(c *Config) { c.Op, c.ETLName, c.Template = OpETLMulti, "md5", "plain" }, "--template"},
		{"bad display", func(c *Config) { c.Display = "fancy" }, "--display"},
		{"job workers", func(c *Config) { c.JobWorkers = -2 }, "--job-workers"},
	}
	for _, tc := range cases {
		c := ok()
		tc.mod(&c)
		err := c.Normalize()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", tc.name, err, tc.want)
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
