package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etlbench/etlbench/reports/result"
	"github.com/etlbench/etlbench/scenarios"
)

func parse(t *testing.T, yml string) *scenarios.Scenario {
	t.Helper()
	dir := t.TempDir()
	f := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(f, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := scenarios.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestETLNameAndSpec(t *testing.T) {
	sc := parse(t, `
name: spec
dataset: {sizes: [4KiB]}
transformers:
  - name: a-very-long-transformer-name-x
    builtin: md5
    obj_timeout: 3s
matrix: {comm: [hpull], direct_put: [true]}
`)
	c := sc.Points()[0]
	name := ETLName(&c)
	if name != "eb-a-very-long-tran-hpull-dp" || len(name) > 32 {
		t.Errorf("ETLName = %q", name)
	}
	b, err := BuildSpec(&c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["name"] != name || m["communication"] != "hpull://" || m["support_direct_put"] != true || m["obj_timeout"] != "3s" {
		t.Errorf("spec %s", b)
	}
	if rt := m["runtime"].(map[string]any); rt["image"] != "etlbench/transformer-md5" {
		t.Errorf("runtime %v", rt)
	}
}

func TestBuildSpecFromFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte("name: whatever\nruntime:\n  command: [\"/bin/true\"]\nenv: [{name: K, value: V}]\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "s.yaml"), []byte("name: s\ndataset: {sizes: [4KiB]}\ntransformers: [{name: mine, spec: mine.yaml}]\nmatrix: {comm: [ws]}\n"), 0o644)
	sc, err := scenarios.Load(filepath.Join(dir, "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c := sc.Points()[0]
	b, err := BuildSpec(&c)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"name":"eb-mine-ws"`, `"communication":"ws://"`, `"support_direct_put":false`, `"command":["/bin/true"]`, `"env":[{"name":"K","value":"V"}]`} {
		if !strings.Contains(s, want) {
			t.Errorf("spec %s: no %s", s, want)
		}
	}
}

func TestConfig(t *testing.T) {
	sc := parse(t, `
name: cfg
seed: 9
dataset: {sizes: [4KiB, 8KiB], objects: 10}
matrix: {op: [etl-get, put, etl-bucket, mixed, etl-copy]}
load: {workers: 7, pctput: 20}
warmup: 2s
duration: 1m
`)
	r := &runState{sc: sc, cl: &cluster{URL: "http://127.0.0.1:1", Kind: "embedded", Mountpaths: 1}}
	for _, c := range sc.Points() {
		cfg := r.config(&c, r.cl, "/tmp/x", "eb-echo-hpush")
		if cfg.Proxy != "http://127.0.0.1:1" || cfg.Workers != 7 || cfg.Seed != 9 || cfg.CellID != c.ID || cfg.Scenario != "cfg" ||
			cfg.Duration != time.Minute || cfg.StatsInterval != 3*time.Second || len(cfg.Sizes) != 2 || cfg.Display != DisplayNone {
			t.Errorf("%s: %+v", c.ID, cfg)
		}
		data := c.Data.Bucket()
		switch c.Op {
		case "put":
			if cfg.Bucket != data+"-put" || !cfg.Cleanup || cfg.ETLName != "" {
				t.Errorf("put: %+v", cfg)
			}
		case "etl-bucket":
			if cfg.DstBucket != data+"-out" || cfg.Warmup != 0 || cfg.ETLName != "eb-echo-hpush" {
				t.Errorf("etl-bucket: %+v", cfg)
			}
		case "mixed":
			if cfg.PctPut != 20 || !cfg.Cleanup || cfg.Bucket != data {
				t.Errorf("mixed: %+v", cfg)
			}
		case "etl-get":
			if cfg.PctPut != 0 || cfg.Warmup != 2*time.Second || cfg.Comm != "hpush" {
				t.Errorf("etl-get: %+v", cfg)
			}
		}
	}
}

func TestStatsInterval(t *testing.T) {
	for d, want := range map[time.Duration]time.Duration{2 * time.Second: time.Second, time.Minute: 3 * time.Second, time.Hour: 10 * time.Second} {
		if got := statsInterval(d); got != want {
			t.Errorf("statsInterval(%v) = %v, want %v", d, got, want)
		}
	}
}

func TestPrepareOut(t *testing.T) {
	root := t.TempDir()
	fresh := filepath.Join(root, "a", "b")
	if err := prepareOut(fresh); err != nil {
		t.Fatal(err)
	}
	// A directory of something else is refused.
	other := filepath.Join(root, "other")
	os.MkdirAll(other, 0o755)
	os.WriteFile(filepath.Join(other, "thesis.tex"), []byte("x"), 0o644)
	if err := prepareOut(other); err == nil || !strings.Contains(err.Error(), "choose another -o") {
		t.Errorf("non-run dir: %v", err)
	}
	if _, err := os.Stat(filepath.Join(other, "thesis.tex")); err != nil {
		t.Error("the file was removed")
	}
	// An earlier run is replaced.
	old := filepath.Join(root, "old")
	os.MkdirAll(filepath.Join(old, CellsDir, "x"), 0o755)
	os.WriteFile(filepath.Join(old, RunFile), []byte("{}"), 0o644)
	if err := prepareOut(old); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(old); len(ents) != 0 {
		t.Errorf("earlier run not cleared: %v", ents)
	}
	// A latest link is replaced by a directory; its target is kept.
	os.WriteFile(filepath.Join(old, RunFile), []byte("{}"), 0o644)
	if err := linkLatest(root, old); err != nil {
		t.Fatal(err)
	}
	latest := filepath.Join(root, LatestLink)
	if target, err := os.Readlink(latest); err != nil || target != "old" {
		t.Fatalf("latest -> %q, %v", target, err)
	}
	if err := prepareOut(latest); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(latest); err != nil || !fi.IsDir() {
		t.Errorf("latest is not a directory now: %v %v", fi, err)
	}
	if _, err := os.Stat(filepath.Join(old, RunFile)); err != nil {
		t.Error("the run latest pointed at was touched")
	}
	// linkLatest never replaces a real directory.
	if err := linkLatest(root, old); err == nil {
		t.Error("linkLatest over a directory: want an error")
	}
}

func TestSummaryLine(t *testing.T) {
	res := &result.Result{Summary: map[string]result.OpSummary{
		"etl-get": {Ops: 10, OpsPerSec: 123.4, MiBPerSec: 1.5, LatencyUS: result.Percentiles{P50: 1500, P99: 2_500_000}, Errors: 2},
		"put":     {OpsPerSec: 5, LatencyUS: result.Percentiles{P50: 80}},
	}}
	got := summaryLine(res)
	want := "etl-get 123 ops/s 1.5 MiB/s p50 1.50ms p99 2.50s errors 2; put 5 ops/s 0.0 MiB/s p50 80us p99 0us errors 0"
	if got != want {
		t.Errorf("summaryLine =\n  %s\nwant\n  %s", got, want)
	}
}

func TestFixETLNote(t *testing.T) {
	res := &result.Result{Notes: []string{"a", "ETL eb-md5-ws was already running: used as is and left running", "b"}}
	if !fixETLNote(res, "eb-md5-ws") {
		t.Fatal("not changed")
	}
	if strings.Join(res.Notes, "|") != "a|b|ETL eb-md5-ws was initialized for this cell by etlbench run and deleted after it" {
		t.Errorf("notes %q", res.Notes)
	}
	if fixETLNote(res, "eb-md5-ws") {
		t.Error("changed twice")
	}
}

func TestProgressDisplays(t *testing.T) {
	sc := parse(t, "name: p\ndataset: {sizes: [1KiB], objects: 40}\nmatrix: {op: [get, etl-get]}\n")
	runs := sc.Expand()
	for _, mode := range []string{DisplayBars, DisplayLines, DisplayNone} {
		var buf bytes.Buffer
		p := newProgress(mode, &buf, len(runs))
		for i := range runs {
			p.cell(i, len(runs), &runs[i])
			p.phase("populate %s", "b")
			var wg sync.WaitGroup
			for w := 0; w < 4; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for d := w; d <= 40; d += 4 {
						p.populated(d, 40)
					}
				}()
			}
			wg.Wait()
			p.measure(300 * time.Millisecond)
			time.Sleep(350 * time.Millisecond)
			p.done(fmt.Sprintf("summary %d", i))
		}
		p.say("bye")
		p.end()
		out := buf.String()
		switch mode {
		case DisplayNone:
			if out != "" {
				t.Errorf("none printed %q", out)
			}
		default:
			for _, want := range []string{"summary 0", "summary 1", "bye", runs[1].ID} {
				if !strings.Contains(out, want) {
					t.Errorf("%s: no %q in\n%s", mode, want, out)
				}
			}
		}
		if mode == DisplayBars && !strings.Contains(out, "cells") {
			t.Errorf("bars: no overall bar in\n%s", out)
		}
	}
}
