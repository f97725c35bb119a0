package scenarios

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/embedded"
)

func TestLoadFull(t *testing.T) {
	s, err := Load("testdata/valid/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "full" || s.Seed != 42 || s.Repeats != 2 || s.Warmup != time.Second || s.Duration != 3*time.Second {
		t.Errorf("top fields: %+v", s)
	}
	net := embedded.NetSpec{Mode: embedded.NetEmulated,
		NodeLink:   embedded.LinkShape{Rate: 10e9, Delay: 100 * time.Microsecond, Jitter: 20 * time.Microsecond, Loss: 0.01},
		ClientLink: embedded.LinkShape{Rate: 100e6, Delay: 5 * time.Millisecond}}
	if s.Cluster != (Cluster{Kind: "embedded", Targets: 2, Proxies: 2, Mountpaths: 2, Network: net}) {
		t.Errorf("cluster: %+v", s.Cluster)
	}
	if s.Dataset.Objects != 20 || s.Dataset.Content != "text" || s.Dataset.Bucket != "fulltest" {
		t.Errorf("dataset: %+v", s.Dataset)
	}
	if got := s.Matrix.Comm; strings.Join(got, ",") != "hpush,hpull,ws" {
		t.Errorf("comm %v (ws:// normalized to ws)", got)
	}
	if len(s.Transformers) != 4 {
		t.Fatalf("transformers: %+v", s.Transformers)
	}
	md5, thumbs, mono, mine := s.Transformers[0], s.Transformers[1], s.Transformers[2], s.Transformers[3]
	if md5.Name != "md5" || md5.Builtin != "md5" {
		t.Errorf("bare md5: %+v", md5)
	}
	if thumbs.Builtin != "image-resize" || thumbs.Args != "64x64" || thumbs.ObjTimeout != 5*time.Second {
		t.Errorf("thumbs: %+v", thumbs)
	}
	if mine.SpecPath != filepath.Join("testdata/valid", "specs/my-etl.yaml") || mine.InitTimeout != time.Minute {
		t.Errorf("mine: %+v", mine)
	}
	// Content: own > what the built-in needs > dataset > built-in's default.
	for _, c := range []struct {
		t    Transformer
		want string
	}{{md5, "text"}, {thumbs, "jpeg"}, {mono, "wav"}, {mine, "random"}} {
		if got := s.ContentFor(c.t); got != c.want {
			t.Errorf("content of %s = %s, want %s", c.t.Name, got, c.want)
		}
	}
	if s.Load.Workers != 3 || s.Load.Model != ModelClosed {
		t.Errorf("load: %+v", s.Load)
	}
}

func TestDefaults(t *testing.T) {
	s, err := Parse("min.yaml", []byte("name: min\ndataset: {sizes: [1KiB]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Seed != DefaultSeed || s.Cluster.Kind != ClusterEmbedded || s.Cluster.Targets != DefaultTargets || s.Cluster.Mountpaths != 1 ||
		s.Dataset.Objects != DefaultObjects || s.Dataset.Bucket != DefaultBucket || s.Repeats != 1 || s.Duration != DefaultDuration ||
		s.Load.Model != ModelClosed || s.Load.Workers != DefaultWorkers {
		t.Errorf("defaults: %+v", s)
	}
	m := s.Matrix
	if strings.Join(m.Comm, ",") != "hpush" || len(m.DirectPut) != 1 || m.DirectPut[0] || strings.Join(m.Op, ",") != "etl-get" || strings.Join(m.Transformer, ",") != "echo" {
		t.Errorf("matrix defaults: %+v", m)
	}
	if err := s.Validate(); err != nil {
		t.Errorf("Validate of a loaded scenario: %v", err)
	}
}

// TestInvalid loads every file in testdata/invalid; its first line says
// "# want: <text>" and the error must be "<path><text>...".
func TestInvalid(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 15 {
		t.Fatalf("only %d invalid scenarios", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want := wantLine(t, f)
			s, err := Load(f)
			if err == nil {
				t.Fatalf("loaded %+v; want error %q", s, want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, f+want) {
				t.Errorf("error:\n  %s\nwant it to start with:\n  %s", msg, f+want)
			}
			if strings.Count(msg, "\n") > 0 {
				t.Errorf("one problem, several errors:\n%s", msg)
			}
			if fes := AsFieldErrors(err); len(fes) == 0 {
				t.Errorf("error %T is not a FieldError", err)
			}
		})
	}
}

func wantLine(t *testing.T, f string) string {
	t.Helper()
	fh, err := os.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Scan()
	w, ok := strings.CutPrefix(sc.Text(), "# want: ")
	if !ok {
		t.Fatalf("%s: first line must be '# want: ...'", f)
	}
	return w
}

func TestSeveralErrorsAtOnce(t *testing.T) {
	_, err := Parse("x.yaml", []byte("name: x\ndataset: {sizes: [4KiB]}\nrepeats: 0\nduration: -1s\nmatrix: {comm: [tcp]}\n"))
	fes := AsFieldErrors(err)
	if len(fes) != 3 {
		t.Fatalf("want 3 errors, got %v", err)
	}
	for i, want := range []string{"x.yaml:5: matrix.comm[0]", "x.yaml:3: repeats", "x.yaml:4: duration"} {
		if !strings.HasPrefix(fes[i].Error(), want) {
			t.Errorf("error %d = %q, want prefix %q", i, fes[i], want)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	if _, err := Load("testdata/nope.yaml"); err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("err = %v", err)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]Size{
		"4096": 4096, "4KiB": 4096, "4 KiB": 4096, "4kib": 4096, "1MiB": MiB, "64MiB": 64 * MiB, "1GB": 1e9,
		"1GiB": GiB, "10KB": 10000, "1.5KiB": 1536, "7B": 7, "2k": 2048, "0": 0,
	} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "KiB", "-1", "1.3B", "abc", "1XB", "99999999999TiB", "NaN"} {
		if got, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) = %d; want an error", bad, got)
		}
	}
	for sz, want := range map[Size]string{4096: "4KiB", 64 * MiB: "64MiB", 1e9: "1GB", 1000: "1KB", 1001: "1001B", 0: "0B", 1536: "1536B"} {
		if got := sz.String(); got != want {
			t.Errorf("Size(%d).String() = %q, want %q", int64(sz), got, want)
		}
		if back, err := ParseSize(sz.String()); err != nil || back != sz {
			t.Errorf("round trip of %d: %d, %v", int64(sz), back, err)
		}
	}
}
