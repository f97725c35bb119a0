package main

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/etlbench/etlbench/loadgen"
)

// TestAisloaderFlags: aisloader's spellings resolve as aisloader means
// them: -ip/-port name the proxy, -bucket=ais://NAME is bucket NAME, another
// provider is refused naming it, and --etl without --op makes every GET go
// through the ETL (mixed with PUTs by --pctput).
func TestAisloaderFlags(t *testing.T) {
	parse := func(args ...string) (*endpointFlags, *loadgen.Config, error) {
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		var ep endpointFlags
		var cfg loadgen.Config
		var a aisloaderFlags
		fs.StringVar(&ep.proxy, "proxy", "", "")
		fs.StringVar(&cfg.Bucket, "bucket", "", "")
		fs.StringVar(&cfg.DstBucket, "dst-bucket", "", "")
		fs.StringVar(&cfg.Op, "op", loadgen.OpGet, "")
		fs.StringVar(&cfg.ETLName, "etl", "", "")
		fs.String("etl-spec", "", "")
		fs.IntVar(&cfg.PctPut, "pctput", 0, "")
		fs.StringVar(&cfg.Display, "display", "auto", "")
		a.add(fs)
		if err := fs.Parse(loadgen.NormalizeArgs(args, nil)); err != nil {
			return nil, nil, err
		}
		return &ep, &cfg, a.apply(fs, &ep, &cfg)
	}
	ep, cfg, err := parse("-ip=127.0.0.1", "-port=51080", "-bucket=ais://src", "-dst-bucket=ais://dst/", "-provider=ais", "-quiet", "-etl=md5", "-pctput=30")
	if err != nil || ep.proxy != "http://127.0.0.1:51080" || cfg.Bucket != "src" || cfg.DstBucket != "dst" || cfg.Display != "none" || cfg.Op != loadgen.OpMixed {
		t.Fatalf("aisloader's line: %+v %+v %v", ep, cfg, err)
	}
	if _, cfg, err := parse("-bucket=b", "-etl=md5"); err != nil || cfg.Op != loadgen.OpETLGet {
		t.Fatalf("-etl alone: op %q %v", cfg.Op, err)
	}
	if _, cfg, err := parse("-bucket=b", "-etl=md5", "--op", "etl-copy"); err != nil || cfg.Op != loadgen.OpETLCopy {
		t.Fatalf("--op wins: op %q %v", cfg.Op, err)
	}
	if ep, _, err := parse("--proxy", "http://x:1", "-ip=127.0.0.1", "-port=2", "-bucket=b"); err != nil || ep.proxy != "http://x:1" {
		t.Fatalf("--proxy wins: %+v %v", ep, err)
	}
	for args, want := range map[string]string{"-bucket=aws://b": `provider "aws"`, "-provider=gcp": `-provider "gcp"`} {
		if _, _, err := parse(strings.Fields(args)...); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error naming %s", args, err, want)
		}
	}
}
