package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// aisloaderOp is one operation's totals in aisloader's -json stats.
type aisloaderOp struct {
	Count  int64 `json:"count,string"`
	Bytes  int64 `json:"bytes,string"`
	Errors int64 `json:"errors"`
}

// runLoader runs bin (aisloader, or etlbench load) with args and a stats
// file, and returns its output and the stats file's content.
func runLoader(t *testing.T, bin string, args ...string) (string, []byte) {
	t.Helper()
	stats := filepath.Join(t.TempDir(), "stats.json")
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(args, "-stats-output="+stats)...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out.String())
	}
	b, err := os.ReadFile(stats)
	if err != nil {
		t.Fatalf("%s %s: no stats file: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out.String())
	}
	return out.String(), b
}

// aisloaderStats runs AIStore's aisloader and returns its final totals by
// operation (aisloader's -json -stats-output: a list of snapshots).
func aisloaderStats(t *testing.T, bin string, args ...string) map[string]aisloaderOp {
	t.Helper()
	out, b := runLoader(t, bin, append(args, "-json", "-quiet", "-statsinterval=0")...)
	var snaps []map[string]aisloaderOp
	if err := json.Unmarshal(b, &snaps); err != nil || len(snaps) == 0 {
		t.Fatalf("aisloader stats %q: %v\n%s", b, err, out)
	}
	if strings.Contains(out, "GET failed") || strings.Contains(out, "PUT failed") {
		t.Fatalf("aisloader reported failures:\n%s", out)
	}
	return snaps[len(snaps)-1]
}

// TestAisloader runs AIStore's own aisloader (unchanged) against etlcore:
// a PUT run, a GET run with checksum validation and a GET run through an
// ETL that aisloader inits from a Pod spec, each with 0 errors and its
// numbers checked against the cluster. Then etlbench load, given the same
// aisloader command line (-ip, -port, -bucket=ais://NAME, -pctput,
// -etl-spec, -stats-output...), runs the same operation mix.
func TestAisloader(t *testing.T) {
	bin := aisBin(t, "aisloader")
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	u, err := url.Parse(c.ProxyURL)
	if err != nil {
		t.Fatal(err)
	}
	conn := []string{"-ip=" + u.Hostname(), "-port=" + u.Port(), "-bucket=ais://aisl", "-numworkers=4", "-cleanup=false"}

	put := aisloaderStats(t, bin, append(conn, "-pctput=100", "-duration=3s", "-minsize=4K", "-maxsize=16K")...)["put"]
	if put.Count == 0 || put.Errors != 0 || put.Bytes < put.Count*4096 || put.Bytes > put.Count*16384 {
		t.Fatalf("aisloader PUT: %+v", put)
	}
	listed, err := c.Client.ListAll(ctx, "aisl", "")
	if err != nil {
		t.Fatal(err)
	}
	var size int64
	for _, e := range listed {
		size += e.Size
	}
	// aisloader's PUT names may repeat (it overwrites then): at most as
	// many objects as PUTs, and all of them within the sizes.
	if len(listed) == 0 || int64(len(listed)) > put.Count || size < int64(len(listed))*4096 || size > int64(len(listed))*16384 {
		t.Fatalf("after aisloader PUT (%d objects, %d B): the bucket has %d objects, %d B", put.Count, put.Bytes, len(listed), size)
	}

	get := aisloaderStats(t, bin, append(conn, "-pctput=0", "-duration=3s", "-verifyhash")...)["get"]
	if get.Count == 0 || get.Errors != 0 || get.Bytes < get.Count*4096 {
		t.Fatalf("aisloader GET: %+v", get)
	}

	spec := filepath.Join(t.TempDir(), "pod.yaml")
	if err := os.WriteFile(spec, []byte(quickstartPodSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	etlGet := aisloaderStats(t, bin, append(conn, "-pctput=0", "-duration=3s", "-etl-spec="+spec)...)["get"]
	// Every GET went through md5: 32 hex digits each.
	if etlGet.Count == 0 || etlGet.Errors != 0 || etlGet.Bytes != etlGet.Count*32 {
		t.Fatalf("aisloader GET through the ETL: %+v (want %d B: 32 per object)", etlGet, etlGet.Count*32)
	}
	list, err := c.Client.ETLList(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "transformer-md5" || list[0].Stage != api.StageAborted || list[0].ObjCount < etlGet.Count {
		t.Fatalf("after aisloader's ETL run (it stops the ETL): %+v %v", list, err)
	}

	// The same mix from both loaders: half PUTs, the rest GETs through the ETL.
	mix := append(conn, "-pctput=50", "-duration=3s", "-minsize=4K", "-maxsize=4K", "-etl-spec="+spec)
	if err := c.Client.ETLDelete(ctx, "transformer-md5"); err != nil {
		t.Fatal(err)
	}
	al := aisloaderStats(t, bin, mix...)
	if err := c.Client.ETLDelete(ctx, "transformer-md5"); err != nil {
		t.Fatal(err)
	}
	out, b := runLoader(t, testcluster.Binary(t), append([]string{"load"}, append(mix, "-quiet", "-statsinterval=0")...)...)
	var ours map[string]struct {
		Ops      int64 `json:"ops"`
		Errors   int64 `json:"errors"`
		BytesOut int64 `json:"bytes_out"`
	}
	if err := json.Unmarshal(b, &ours); err != nil {
		t.Fatalf("etlbench load -stats-output %q: %v\n%s", b, err, out)
	}
	share := func(puts, gets int64) float64 { return float64(puts) / float64(puts+gets) }
	alShare, ourShare := share(al["put"].Count, al["get"].Count), share(ours["put"].Ops, ours["etl-get"].Ops)
	if al["put"].Errors+al["get"].Errors != 0 || ours["put"].Errors+ours["etl-get"].Errors != 0 || len(ours) != 2 {
		t.Fatalf("mix: aisloader %+v, etlbench load %+v", al, ours)
	}
	for name, s := range map[string]float64{"aisloader": alShare, "etlbench load": ourShare} {
		if s < 0.25 || s > 0.75 {
			t.Errorf("%s -pctput=50: PUT share %.2f", name, s)
		}
	}
	if g := ours["etl-get"]; g.Ops == 0 || g.BytesOut != g.Ops*32 || al["get"].Bytes != al["get"].Count*32 {
		t.Errorf("GETs through md5: etlbench load %+v, aisloader %+v (want 32 B each)", g, al["get"])
	}
	t.Logf("-pctput=50 with the ETL: aisloader %d PUT / %d GET, etlbench load %d PUT / %d etl-get",
		al["put"].Count, al["get"].Count, ours["put"].Ops, ours["etl-get"].Ops)
}
