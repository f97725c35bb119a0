package loadgen

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/aisnode/aisnodetest"
	"github.com/etlbench/etlbench/internal/testcluster"
	"github.com/etlbench/etlbench/reports/result"
)

// TestLoadAgainstAisnode: `etlbench load` put, get, mixed and list with
// --verify against a real AIStore cluster (aisnode, 1 proxy + 3 targets,
// started by the test) make operations with no error and every result
// checked; an ETL operation fails at once with AIStore's own answer,
// named as AIStore's; the buckets the runs made are gone after --cleanup.
func TestLoadAgainstAisnode(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: skipped with -short")
	}
	st := aisnodetest.Start(t, 3)
	bin := testcluster.Binary(t)
	run := func(t *testing.T, args ...string) (*result.Result, string, error) {
		t.Helper()
		out := t.TempDir()
		argv := append([]string{"load", "--proxy", st.ProxyURL, "--duration", "2s", "--numworkers", "4",
			"--sizes", "16KiB:1,1MiB:1", "--objects", "40", "--seed", "7", "--display", "none",
			"--statsinterval", "1s", "--out", out, "--cleanup"}, args...)
		cmd := exec.Command(bin, argv...)
		b, err := cmd.CombinedOutput()
		if err != nil {
			return nil, string(b), err
		}
		raw, rerr := os.ReadFile(filepath.Join(out, "result.json"))
		if rerr != nil {
			t.Fatalf("%v\n%s", rerr, b)
		}
		var res result.Result
		if err := json.Unmarshal(raw, &res); err != nil {
			t.Fatal(err)
		}
		return &res, string(b), nil
	}
	cases := []struct {
		op   string
		args []string
		ops  []string // summary keys
		note string   // the --verify note
	}{
		{"put", []string{"--bucket", "ais-put", "--op", "put"}, []string{"put"}, "PUTs read back, every one byte-exact"},
		{"get", []string{"--bucket", "ais-get", "--op", "get"}, []string{"get"}, "GETs checked"},
		{"mixed", []string{"--bucket", "ais-mixed", "--op", "mixed", "--pctput", "40"}, []string{"get", "put"}, "GETs checked"},
		{"list", []string{"--bucket", "ais-list", "--op", "list"}, []string{"list"}, "listings checked against the 40 objects"},
	}
	for _, tc := range cases {
		t.Run(tc.op, func(t *testing.T) {
			res, out, err := run(t, append(tc.args, "--verify")...)
			if err != nil {
				t.Fatalf("etlbench load --op %s: %v\n%s", tc.op, err, out)
			}
			for _, op := range tc.ops {
				s, ok := res.Summary[op]
				if !ok || s.Ops == 0 {
					t.Errorf("summary has no %s operations: %+v", op, res.Summary)
				}
				if s.Errors != 0 {
					t.Errorf("%s: %d errors: %v", op, s.Errors, res.Notes)
				}
			}
			if !strings.Contains(strings.Join(res.Notes, "\n"), tc.note) {
				t.Errorf("notes %q do not say %q", res.Notes, tc.note)
			}
			if res.Cluster.Targets != 3 {
				t.Errorf("result says %d targets, want 3", res.Cluster.Targets)
			}
		})
	}
	t.Run("etl-fails-with-aistore-message", func(t *testing.T) {
		t0 := time.Now()
		_, out, err := run(t, "--bucket", "ais-etl", "--op", "etl-get", "--etl", "echo")
		if err == nil {
			t.Fatalf("etl-get against AIStore without ETL succeeded:\n%s", out)
		}
		if !strings.Contains(out, "AIStore's answer") || !strings.Contains(out, "without ETL support") {
			t.Errorf("the error does not name AIStore's own message:\n%s", out)
		}
		if d := time.Since(t0); d > 30*time.Second {
			t.Errorf("failing took %s: not at once", d)
		}
	})
	names, err := api.NewClient(st.ProxyURL).ListBuckets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 0 {
		t.Errorf("buckets left after --cleanup: %v", names)
	}
}
