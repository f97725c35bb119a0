package scenarios

import (
	"fmt"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/reports/result"
)

func TestExpand(t *testing.T) {
	s, err := Load("testdata/valid/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	runs := s.Expand()
	// etl-get: 3 comm x 2 direct_put x 4 transformers x 2 sizes = 48;
	// get: 2 sizes; x 2 repeats.
	if len(runs) != (48+2)*2 {
		t.Fatalf("%d runs, want 100", len(runs))
	}
	count := map[string]int{}
	repeats := map[string]bool{}
	inOrder := true
	for i, c := range runs {
		if c.Index != i {
			t.Fatalf("run %d has Index %d", i, c.Index)
		}
		count[c.ID]++
		key := fmt.Sprintf("%s#%d", c.ID, c.Repeat)
		if repeats[key] {
			t.Errorf("%s repeated", key)
		}
		repeats[key] = true
		if i > 0 && c.Repeat < runs[i-1].Repeat {
			inOrder = false
		}
		if c.ID != cellID(c.Axes) || strings.Contains(c.DirName(), "/") {
			t.Errorf("ID %q, axes %v, dir %q", c.ID, c.Axes, c.DirName())
		}
		if c.UsesETL() != (c.Op == result.OpETLGet) {
			t.Errorf("%s: UsesETL %v", c.ID, c.UsesETL())
		}
	}
	if inOrder {
		t.Error("runs are not shuffled: all of repeat 1 come before repeat 2")
	}
	for id, n := range count {
		if n != 2 {
			t.Errorf("%s runs %d times, want 2", id, n)
		}
	}
	for _, id := range []string{
		"comm=hpush/direct_put=true/size=64KiB/transformer=md5/op=etl-get",
		"comm=ws/direct_put=false/size=4KiB/transformer=thumbs/op=etl-get",
		"size=4KiB/op=get",
	} {
		if count[id] != 2 {
			t.Errorf("no cell %s", id)
		}
	}
	// The same seed gives the same order; another seed another order.
	again := s.Expand()
	for i := range runs {
		if runs[i].ID != again[i].ID || runs[i].Repeat != again[i].Repeat {
			t.Fatalf("order differs at %d with the same seed", i)
		}
	}
	if err := s.Set("seed=43"); err != nil {
		t.Fatal(err)
	}
	other := s.Expand()
	same := 0
	for i := range runs {
		if runs[i].ID == other[i].ID && runs[i].Repeat == other[i].Repeat {
			same++
		}
	}
	if same == len(runs) {
		t.Error("another seed gave the same order")
	}
}

func TestExpandDataKeys(t *testing.T) {
	s, err := Load("testdata/valid/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	buckets := map[string]string{} // bucket -> content/size
	for _, c := range s.Points() {
		want := "text"
		if c.Transformer != nil {
			want = map[string]string{"md5": "text", "thumbs": "jpeg", "mono": "wav", "mine": "random"}[c.Transformer.Name]
		}
		if c.Data.Content != want {
			t.Errorf("%s reads %s, want %s", c.ID, c.Data.Content, want)
		}
		if len(c.Data.Sizes) != 1 || c.Data.Sizes[0].String() != c.Axes[AxisSize] || c.Data.Objects != 20 || c.Data.Seed != 42 {
			t.Errorf("%s data %+v", c.ID, c.Data)
		}
		b := c.Data.Bucket()
		if !bucketRe.MatchString(b) && len(b) > 64 {
			t.Errorf("bucket name %q", b)
		}
		what := c.Data.Content + "/" + c.Axes[AxisSize]
		if prev, ok := buckets[b]; ok && prev != what {
			t.Errorf("bucket %s holds %s and %s", b, prev, what)
		}
		buckets[b] = what
	}
	// text x2 sizes, jpeg x2, wav x2, random x2: the get cells share md5's.
	if len(buckets) != 8 {
		t.Errorf("%d dataset buckets, want 8: %v", len(buckets), buckets)
	}
}

func TestExpandLoadAxes(t *testing.T) {
	s, err := Parse("m.yaml", []byte(`
name: m
dataset: {min_size: 1KiB, max_size: 8KiB}
matrix:
  op: [etl-get, put, etl-bucket]
  model: [closed, open]
  workers: [1, 4]
  rate: [100, 200]
`))
	if err != nil {
		t.Fatal(err)
	}
	pts := s.Points()
	// per op: closed x 2 workers + open x 2 workers x 2 rates = 6; 2 ops;
	// etl-bucket runs jobs: one cell, no model, workers or rate.
	if len(pts) != 13 {
		for _, p := range pts {
			t.Log(p.ID)
		}
		t.Fatalf("%d points, want 13", len(pts))
	}
	ids := map[string]bool{}
	for _, p := range pts {
		ids[p.ID] = true
		if p.Model == ModelClosed && p.Rate != 0 {
			t.Errorf("%s: closed with rate %v", p.ID, p.Rate)
		}
		if p.Data.SizeLabel() != "1KiB-8KiB" || p.Axes[AxisSize] != "1KiB-8KiB" {
			t.Errorf("%s: size label %q", p.ID, p.Data.SizeLabel())
		}
		if p.NeedsData() == (p.Op == result.OpPut) {
			t.Errorf("%s: NeedsData %v", p.ID, p.NeedsData())
		}
	}
	for _, id := range []string{
		"comm=hpush/direct_put=false/size=1KiB-8KiB/transformer=echo/op=etl-get/model=closed/workers=4",
		"size=1KiB-8KiB/op=put/model=open/workers=1/rate=200",
		"comm=hpush/direct_put=false/size=1KiB-8KiB/transformer=echo/op=etl-bucket",
	} {
		if !ids[id] {
			t.Errorf("no cell %s", id)
		}
	}
	if len(ids) != len(pts) {
		t.Error("duplicate IDs")
	}
}

func TestSanitizeID(t *testing.T) {
	if got := SanitizeID("comm=ws/size=1KiB-8KiB/transformer=a b"); got != "comm=ws,size=1KiB-8KiB,transformer=a_b" {
		t.Errorf("SanitizeID = %q", got)
	}
}

func TestCountRuns(t *testing.T) {
	for _, f := range []string{"testdata/valid/full.yaml", "quick.yaml", "transformers.yaml", "stress.yaml"} {
		s, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := s.countRuns(), float64(len(s.Expand())); got != want {
			t.Errorf("%s: countRuns %v, Expand %v", f, got, want)
		}
	}
	s, err := Parse("m.yaml", []byte("name: m\ndataset: {min_size: 1KiB, max_size: 8KiB}\nmatrix:\n  op: [etl-get, put, etl-bucket]\n  model: [closed, open]\n  workers: [1, 4]\n  rate: [100, 200]\nrepeats: 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.countRuns(), float64(len(s.Expand())); got != want {
		t.Errorf("countRuns %v, Expand %v", got, want)
	}
}
