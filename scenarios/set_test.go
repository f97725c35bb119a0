package scenarios

import (
	"strings"
	"testing"
	"time"
)

func TestSet(t *testing.T) {
	s, err := Load("testdata/valid/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range []string{
		"duration=10s", "matrix.comm=[ws]", "repeats=3", "load.workers=16", "transformers[1].args=32x32",
		"cluster.targets=5", "seed=7", "matrix.direct_put=true", "description=",
	} {
		if err := s.Set(kv); err != nil {
			t.Fatalf("Set(%q): %v", kv, err)
		}
	}
	// Alone, each of these is invalid; together they are not.
	if err := s.Set("load.model=open"); err == nil {
		t.Fatal("open without a rate: want an error")
	}
	if err := s.SetAll([]string{"load.model=open", "load.rate=250"}); err != nil {
		t.Fatal(err)
	}
	if s.Duration != 10*time.Second || strings.Join(s.Matrix.Comm, ",") != "ws" || s.Repeats != 3 || s.Load.Workers != 16 ||
		s.Transformers[1].Args != "32x32" || s.Cluster.Targets != 5 || s.Seed != 7 || len(s.Matrix.DirectPut) != 1 ||
		!s.Matrix.DirectPut[0] || s.Load.Rate != 250 || s.Load.Model != ModelOpen || s.Description != "" {
		t.Errorf("after Set: %+v", s)
	}
	if len(s.Sets()) != 11 {
		t.Errorf("Sets() = %v", s.Sets())
	}
	// Untouched fields keep their values.
	if s.Name != "full" || s.Dataset.Objects != 20 || s.Cluster.Mountpaths != 2 {
		t.Errorf("untouched fields changed: %+v", s)
	}
}

func TestSetCreatesSections(t *testing.T) {
	s, err := Parse("min.yaml", []byte("name: min\ndataset: {sizes: [1KiB]}\nload:\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set("load.workers=2"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("cluster.mountpaths=3"); err != nil {
		t.Fatal(err)
	}
	if s.Cluster.Proxies != 1 {
		t.Errorf("default cluster.proxies %d, want 1", s.Cluster.Proxies)
	}
	if err := s.Set("cluster.proxies=3"); err != nil || s.Cluster.Proxies != 3 {
		t.Fatalf("Set cluster.proxies=3: %v (%d)", err, s.Cluster.Proxies)
	}
	if s.Load.Workers != 2 || s.Cluster.Mountpaths != 3 || s.Cluster.Targets != DefaultTargets {
		t.Errorf("%+v %+v", s.Load, s.Cluster)
	}
}

func TestSetErrors(t *testing.T) {
	s, err := Load("testdata/valid/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for kv, want := range map[string]string{
		"matrix.comm=[http]":      `--set matrix.comm=[http]: matrix.comm[0]: unknown mode "http"; want hpush, hpull or ws`,
		"matrix.comm=[ws, http]":  `--set matrix.comm=[ws, http]: matrix.comm[1]: unknown mode "http"`,
		"duration":                `--set duration: want key=value`,
		"=3":                      `--set =3: want key=value`,
		"durationx=10s":           `--set durationx=10s: durationx: unknown field "durationx"`,
		"load.speed=1":            `--set load.speed=1: load.speed: unknown field "speed"; want one of model, workers, rate, pctput`,
		"transformers[9].args=x":  `--set transformers[9].args=x: transformers[9].args: transformers has 4 items, no [9]`,
		"name.first=x":            `--set name.first=x: name.first: name is not a mapping`,
		"duration=abc":            `--set duration=abc: duration: bad duration "abc"`,
		"repeats=0":               `--set repeats=0: repeats: 0 repeats: want 1..100`,
		"matrix..comm=ws":         `bad key "matrix..comm"`,
		"load.rate=100":           `load.rate: a rate is only for the open load model`,
		"dataset.sizes=[1KiB]":    `--set dataset.sizes=[1KiB]: dataset.sizes: not allowed with matrix.size`,
		"matrix.size=[4KiB, 1x]":  `--set matrix.size=[4KiB, 1x]: matrix.size[1]: bad size "1x"`,
		"cluster=[a]":             `--set cluster=[a]: cluster: want a mapping of fields, got a list`,
		"cluster.proxies=17":      `--set cluster.proxies=17: cluster.proxies: 17 proxies: want 1..16`,
		"matrix.comm=[ws":         `--set matrix.comm=[ws: matrix.comm: bad value`,
		"transformers.name=x":     `transformers is not a mapping`,
		"seed=1.5":                `--set seed=1.5: seed: want an integer, got "1.5"`,
		"matrix.direct_put=maybe": `--set matrix.direct_put=maybe: matrix.direct_put[0]: want true or false, got "maybe"`,
	} {
		before := *s
		err := s.Set(kv)
		if err == nil {
			t.Errorf("Set(%q): want an error containing %q", kv, want)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Set(%q):\n  %v\nwant it to contain:\n  %s", kv, err, want)
		}
		if s.Duration != before.Duration || len(s.Sets()) != 0 || strings.Join(s.Matrix.Comm, ",") != "hpush,hpull,ws" {
			t.Errorf("Set(%q) failed but changed the scenario", kv)
		}
	}
}

func TestSetOnBuiltScenario(t *testing.T) {
	s := &Scenario{Name: "x"}
	if err := s.Set("duration=1s"); err == nil {
		t.Error("Set on a scenario made in code: want an error")
	}
}
