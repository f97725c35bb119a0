package aisnode_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/aisnode/aisnodetest"
)

// TestClientOnAisnode runs the client's job and transform-copy requests
// against one real AIStore cluster.
func TestClientOnAisnode(t *testing.T) {
	_, cl, ctx := aisnodetest.StartClient(t, 2)
	t.Run("follows-job", func(t *testing.T) { followJobOnAisnode(ctx, t, cl) })
	t.Run("transform-copy", func(t *testing.T) { transformCopyOnAisnode(ctx, t, cl) })
}

// followJobOnAisnode: against a real AIStore cluster the client
// follows a bucket copy (copy-bck, the job etl-bck is without an ETL)
// through AIStore's job API alone: finished, every object and byte
// counted, per target, source and destination named, and nothing of what
// only etlcore says (no errors, no ETL, no object errors); stopping it
// then is no error. The starts of offline ETL jobs reach AIStore whole:
// they are refused for the ETL, not for their destination bucket.
func followJobOnAisnode(ctx context.Context, t *testing.T, cl *api.Client) {
	if err := cl.CreateBucket(ctx, "src"); err != nil {
		t.Fatal(err)
	}
	const n = 30
	var size int64
	for i := range n {
		b := bytes.Repeat([]byte{byte('a' + i%26)}, 1000+i*100)
		size += int64(len(b))
		if err := cl.PutObject(ctx, "src", fmt.Sprintf("obj-%02d", i), bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
	}
	body := `{"action":"copy-bck","value":{}}`
	q := url.Values{api.QparamBckTo: {api.AisBucketUname("dst")}}
	resp, err := cl.Do(ctx, http.MethodPost, api.PathBuckets+"src", q, strings.NewReader(body), nil)
	if err != nil {
		t.Fatal(err)
	}
	idb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	id := strings.TrimSpace(string(idb))
	js, err := cl.WaitJob(ctx, id, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if js.State != api.JobFinished || js.Kind != "copy-bck" || js.ObjsOut != n || js.BytesOut != size || js.ObjsIn != n {
		t.Fatalf("job %+v: want finished copy-bck, %d objects and %d bytes out", js, n, size)
	}
	if js.SrcBck != "src" || js.DstBck != "dst" || js.StartTime == "" || js.EndTime == "" || len(js.Targets) != 2 {
		t.Fatalf("job %+v: want src -> dst, start and end, 2 targets", js)
	}
	if js.Errors != 0 || js.BytesIn != 0 || js.ETLName != "" || js.DirectPut || js.ObjErrs != nil || js.Err != "" {
		t.Fatalf("job %+v: want nothing of etlcore's", js)
	}
	jobs, err := cl.Jobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, j := range jobs {
		found = found || (j.ID == id && j.State == api.JobFinished && j.ObjsOut == n)
	}
	if !found {
		t.Fatalf("job list %+v has no finished %s", jobs, id)
	}
	// AIStore's stop of a job that is over is no error.
	if err := cl.AbortJob(ctx, id); err != nil {
		t.Fatalf("abort of the finished job: %v", err)
	}
	// The starts: AIStore decodes the destination (bck_to as its bucket
	// uname, tobck as its bucket object) and refuses the ETL.
	_, err = cl.StartETLBucket(ctx, "src", "dst-etl", api.TCBMsg{ETLName: "no-such-etl"})
	checkETLRefused(t, "etl-bck", err)
	_, err = cl.StartETLListRange(ctx, "src", api.TCOMsg{TCBMsg: api.TCBMsg{ETLName: "no-such-etl"}, ToBck: "dst-etl", Template: "obj-{00..29}"})
	checkETLRefused(t, "etl-listrange", err)
}

// checkETLRefused asserts err is AIStore's refusal of the ETL (this
// cluster has none), not of the message or its bucket.
func checkETLRefused(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s with no ETL: no error", what)
	}
	msg := err.Error()
	if !strings.Contains(strings.ToLower(msg), "etl") || strings.Contains(msg, "unmarshal") || strings.Contains(msg, "bucket name is missing") {
		t.Fatalf("%s: %v; want AIStore's refusal of the ETL", what, err)
	}
	t.Logf("%s: %v", what, err)
}
