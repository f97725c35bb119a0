package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/loadgen"
	"github.com/etlbench/etlbench/reports/result"
)

// aisloaderFlags are aisloader's flags that etlbench load takes besides
// its own, so that an aisloader command line runs unchanged: -ip and -port
// name the proxy, -provider must be ais, -bucket may be a bucket URI
// (ais://NAME; so may --dst-bucket), -quiet drops the live display, -stats-output writes the
// final summary to a file.
type aisloaderFlags struct {
	ip, port, provider, statsOutput string
	quiet                           bool
}

func (a *aisloaderFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&a.ip, "ip", "", "aisloader's spelling: proxy address (with -port; --proxy wins)")
	fs.StringVar(&a.port, "port", "", "aisloader's spelling: proxy port (with -ip, default localhost)")
	fs.StringVar(&a.provider, "provider", api.Provider, "aisloader's spelling: the bucket's provider (only ais)")
	fs.BoolVar(&a.quiet, "quiet", false, "aisloader's spelling: no live display (the summary is printed)")
	fs.StringVar(&a.statsOutput, "stats-output", "", "aisloader's spelling: also write the final summary (JSON) to this file")
}

// apply resolves aisloader's flags into the endpoint and the bucket.
//
// Without --op, as in aisloader, --etl or --etl-spec makes every GET go
// through the ETL: the mix is etl-get (or mixed, with PUTs by --pctput).
func (a *aisloaderFlags) apply(fs *pflag.FlagSet, ep *endpointFlags, cfg *loadgen.Config) error {
	bucket, dstBucket, display := &cfg.Bucket, &cfg.DstBucket, &cfg.Display
	if a.provider != api.Provider {
		return usagef("-provider %q: etlcore has only %q buckets", a.provider, api.Provider)
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"bucket", bucket}, {"dst-bucket", dstBucket}} {
		if prov, rest, ok := strings.Cut(*f.v, "://"); ok {
			if prov != api.Provider {
				return usagef("-%s %q: provider %q: etlcore has only %q buckets", f.name, *f.v, prov, api.Provider)
			}
			*f.v = strings.TrimSuffix(rest, "/")
		}
	}
	if (a.ip != "" || a.port != "") && ep.proxy == "" {
		ip, port := a.ip, a.port
		if ip == "" {
			ip = "localhost"
		}
		if port == "" {
			port = "8080" // aisloader's default
		}
		if strings.HasPrefix(ip, "http://") || strings.HasPrefix(ip, "https://") {
			ep.proxy = ip + ":" + port
		} else {
			ep.proxy = "http://" + net.JoinHostPort(ip, port)
		}
	}
	if a.quiet && !fs.Changed("display") {
		*display = "none"
	}
	if !fs.Changed("op") && (fs.Changed("etl") || fs.Changed("etl-spec")) {
		switch {
		case cfg.PctPut == 0:
			cfg.Op = loadgen.OpETLGet
		case cfg.PctPut < 100:
			cfg.Op = loadgen.OpMixed
		}
	}
	return nil
}

// writeStats writes the run's summary to -stats-output.
func (a *aisloaderFlags) writeStats(res *result.Result) error {
	if a.statsOutput == "" || res == nil {
		return nil
	}
	b, err := json.MarshalIndent(res.Summary, "", "  ")
	if err != nil {
		return fmt.Errorf("-stats-output: %w", err)
	}
	if err := os.WriteFile(a.statsOutput, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("-stats-output: %w", err)
	}
	return nil
}
