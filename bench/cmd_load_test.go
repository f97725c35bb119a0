package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/loadgen"
)

// TestLoadFlagOfEverySetting: every setting a loadgen error may name is
// a flag of `etlbench load`, but for the two the command does not expose.
func TestLoadFlagOfEverySetting(t *testing.T) {
	fs := newLoadFlags().fs
	noFlag := map[string]bool{"job_poll": true, "repeat": true}
	for _, field := range loadgen.FieldNames {
		flag, ok := loadFlagOf[field]
		switch {
		case !ok && !noFlag[field]:
			t.Errorf("setting %s has no flag in loadFlagOf", field)
		case ok && fs.Lookup(strings.TrimPrefix(flag, "--")) == nil:
			t.Errorf("setting %s maps to %s, which `etlbench load` does not define", field, flag)
		}
	}
}

// TestLoadErrorsNameFlags: a setting that loadgen refuses is reported by
// the flags that set it, also the other settings the message mentions.
func TestLoadErrorsNameFlags(t *testing.T) {
	cases := map[string]string{
		"--duration 0":                           "--duration: nothing ends the run: set --duration, --maxputs, --totalputsize or --epochs",
		"--numworkers -1":                        "--numworkers: -1: must be > 0",
		"--op put --pctput 50":                   "--pctput: --op put is 100% PUT, got 50 (PUTs among GETs: --op mixed)",
		"--op etl-get":                           "--etl: required by --op etl-get: the ETL to use (or --etl-spec)",
		"--epochs 1 --rate 5":                    "--epochs: reads in order and --rate paces: use one of them",
		"--minsize 10 --maxsize 5":               "--minsize: 10 is larger than --maxsize 5",
		"--statsinterval 0.001":                  "--statsinterval: 1ms: must be at least 10ms",
		"--op list --pctput 5":                   "--pctput: does not apply to --op list, which lists the bucket (PUTs and GETs: --op mixed)",
		"--op etl-copy --etl md5 --dst-bucket b": `--dst-bucket: "b" is the source --bucket`,
		"--op mixed":                             "--pctput: --op mixed needs 1..99, got 0",
		"--display fancy":                        `--display: "fancy": want auto, bars, lines or none`,
	}
	for args, want := range cases {
		all := append([]string{"--proxy", "http://127.0.0.1:1", "--bucket", "b"}, strings.Fields(args)...)
		_, err := newLoadFlags().config(all)
		var ue *usageError
		if !errors.As(err, &ue) || err.Error() != want {
			t.Errorf("%s:\n got %v\nwant usage error %q", args, err, want)
		}
		var fe *loadgen.FieldError
		if !errors.As(err, &fe) {
			t.Errorf("%s: the loadgen.FieldError is not kept in %T", args, err)
		}
	}
	cfg, err := newLoadFlags().config([]string{"--proxy", "http://127.0.0.1:1", "--bucket", "b"})
	if err != nil || cfg.Duration != defaultLoadDuration || cfg.Op != loadgen.OpGet {
		t.Fatalf("defaults: %+v %v", cfg, err)
	}
}
