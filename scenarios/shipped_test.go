package scenarios

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/etlbench/etlbench/reports/result"
)

// TestShipped loads and validates every scenario file shipped in scenarios/.
func TestShipped(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"quick.yaml": true, "comm-modes.yaml": true, "direct-put.yaml": true, "object-sizes.yaml": true,
		"offline.yaml": true, "transformers.yaml": true, "stress.yaml": true, "near-data.yaml": true}
	for _, f := range files {
		delete(want, f)
		t.Run(f, func(t *testing.T) {
			s, err := Load(f)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name+".yaml" != f {
				t.Errorf("name %q does not match the file name", s.Name)
			}
			if s.Description == "" {
				t.Error("no description")
			}
			if len(s.Expand()) == 0 {
				t.Error("no cells")
			}
		})
	}
	for f := range want {
		t.Errorf("%s is not shipped", f)
	}
}

// TestQuickShape checks what make run promises: all three modes with and
// without direct put, inline and offline, and a budget that fits in three
// minutes on two cores.
func TestQuickShape(t *testing.T) {
	s, err := Load("quick.yaml")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var total time.Duration
	for _, c := range s.Expand() {
		if c.UsesETL() {
			seen[c.Comm+"/"+c.Axes[AxisDirectPut]+"/"+c.Op] = true
			// md5 would leave direct put nothing to save.
			if c.Op == result.OpETLBucket && c.Transformer.Builtin != "echo" {
				t.Errorf("%s: the direct-put rows need a transformer that does not shrink its data (echo)", c.ID)
			}
		}
		seen[c.Op] = true
		// warm-up + measured + ~3s for ETL init, drain and delete.
		total += s.Warmup + s.Duration + 3*time.Second
	}
	for _, comm := range []string{"hpush", "hpull", "ws"} {
		for _, dp := range []string{"true", "false"} {
			for _, op := range []string{result.OpETLGet, result.OpETLBucket} {
				if !seen[comm+"/"+dp+"/"+op] {
					t.Errorf("quick has no %s/%s/%s cell", comm, dp, op)
				}
			}
		}
	}
	if !seen[result.OpClientETLGet] || !seen[result.OpGet] {
		t.Errorf("quick has no client-etl-get or no get cell")
	}
	if total > 150*time.Second {
		t.Errorf("quick needs about %v of cells: too long for 3 minutes with cluster start", total)
	}
}

// TestTransformersRealisticData checks that transformers.yaml feeds every
// built-in the data it is meant for.
func TestTransformersRealisticData(t *testing.T) {
	s, err := Load("transformers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	builtins := map[string]bool{}
	for _, c := range s.Points() {
		b := c.Transformer.Builtin
		builtins[b] = true
		want := map[string]string{"image-resize": ContentJPEG, "audio": ContentWAV, "compress": ContentText}[b]
		if want != "" && c.Data.Content != want {
			t.Errorf("%s reads %s, want %s", c.ID, c.Data.Content, want)
		}
	}
	for _, b := range Builtins {
		if !builtins[b.Name] {
			t.Errorf("built-in %s is not in transformers.yaml", b.Name)
		}
	}
}

// TestStressShape checks what the README promises of stress.yaml: 30
// minutes of 1,000 connections on 100,000 small objects, mixed inline
// (ETL GET and PUT) and offline, in every mode.
func TestStressShape(t *testing.T) {
	s, err := Load("stress.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var total time.Duration
	seen := map[string]bool{}
	for _, c := range s.Expand() {
		total += s.Warmup + s.Duration
		seen[c.Comm+"/"+c.Op] = true
	}
	if total < 29*time.Minute || total > 33*time.Minute {
		t.Errorf("stress runs %v of cells, want about 30 minutes", total)
	}
	if s.Load.Workers != 1000 || s.Dataset.Objects != 100_000 || s.Dataset.MaxSize > 64<<10 {
		t.Errorf("stress: %d workers, %d objects of up to %d bytes; want 1000 on 100000 small objects",
			s.Load.Workers, s.Dataset.Objects, s.Dataset.MaxSize)
	}
	for _, comm := range []string{"hpush", "hpull", "ws"} {
		for _, op := range []string{result.OpMixed, result.OpETLBucket} {
			if !seen[comm+"/"+op] {
				t.Errorf("stress has no %s/%s cell", comm, op)
			}
		}
	}
}
