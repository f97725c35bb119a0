package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// aisStatusJSON and aisSnapsJSON are AIStore's answers to what=status and
// what=qryxstats for an etl-bck job over two targets, in the shapes of its
// nl.Status and core.Snap (counters as strings, ext null, bucket with
// namespace); t2 also runs another job.
const (
	aisStatusJSON = `{"kind":"etl-bck","uuid":"Vb3kQx9","err":"","end_time":1764815400500000000,"aborted":false}`
	aisSnapsJSON  = `{
 "ZkdT8081": [{"ext":null,"start-time":"2025-12-04T02:29:59.25Z","end-time":"2025-12-04T02:30:00.5Z",
  "bck":{"name":"dst","provider":"ais","namespace":{"uuid":"","name":""}},
  "src-bck":{"name":"src","provider":"ais","namespace":{"uuid":"","name":""}},
  "dst-bck":{"name":"dst","provider":"ais","namespace":{"uuid":"","name":""}},
  "id":"Vb3kQx9","kind":"etl-bck","ctlmsg":"etl ais://src=>ais://dst; t[ZkdT8081]: job:[ visited:12 locally-processed:12 sent:5 received:4 copy-err:0 chan-full:0 pruned:0]",
  "abort-err":"","err":"","glob.id":"4295032833",
  "stats":{"loc-objs":"12","loc-bytes":"12288","out-objs":"5","out-bytes":"5120","in-objs":"4","in-bytes":"4096"},
  "aborted":false,"is_idle":true}],
 "QrtP8082": [{"ext":null,"start-time":"2025-12-04T02:29:59.2Z","end-time":"2025-12-04T02:30:00.4Z",
  "bck":{"name":"dst","provider":"ais","namespace":{"uuid":"","name":""}},
  "src-bck":{"name":"src","provider":"ais","namespace":{"uuid":"","name":""}},
  "dst-bck":{"name":"dst","provider":"ais","namespace":{"uuid":"","name":""}},
  "id":"Vb3kQx9","kind":"etl-bck","abort-err":"","err":"","glob.id":"4295032833",
  "stats":{"loc-objs":"8","loc-bytes":"8192","out-objs":"4","out-bytes":"4096","in-objs":"5","in-bytes":"5120"},
  "aborted":false,"is_idle":true},
  {"ext":null,"start-time":"2025-12-04T02:00:00Z","end-time":"0001-01-01T00:00:00Z",
  "bck":{"name":"other","provider":"ais","namespace":{"uuid":"","name":""}},
  "src-bck":{"name":"","provider":"","namespace":{"uuid":"","name":""}},
  "dst-bck":{"name":"","provider":"","namespace":{"uuid":"","name":""}},
  "id":"g-other","kind":"lru","abort-err":"","err":"","glob.id":"0",
  "stats":{"loc-objs":"100","loc-bytes":"100","out-objs":"0","out-bytes":"0","in-objs":"0","in-bytes":"0"},
  "aborted":false,"is_idle":false}]
}`
)

func decodeXact(t *testing.T, status, snaps string) (*AisXactStatus, map[string][]AisXactSnap) {
	t.Helper()
	var st AisXactStatus
	var sn map[string][]AisXactSnap
	if err := json.Unmarshal([]byte(status), &st); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(snaps), &sn); err != nil {
		t.Fatal(err)
	}
	return &st, sn
}

// AIStore's answers: state and end from the status, objects and bytes
// out from loc-objs and loc-bytes per target (the other job's snap left
// out), the start the earliest target's, and nothing that only etlcore
// says (bytes in, errors, ETL name, direct put, object errors).
func TestJobFromAIStoreSnaps(t *testing.T) {
	st, snaps := decodeXact(t, aisStatusJSON, aisSnapsJSON)
	js := JobFromXact(st, snaps)
	want := Counters{ObjsIn: 20, ObjsOut: 20, BytesOut: 20480}
	if js.ID != "Vb3kQx9" || js.Kind != "etl-bck" || js.State != JobFinished || js.Err != "" || js.Counters != want {
		t.Fatalf("job %+v, want finished with %+v", js, want)
	}
	if js.StartTime != "2025-12-04T02:29:59.2Z" || js.EndTime != "2025-12-04T02:30:00.5Z" {
		t.Errorf("start %s end %s", js.StartTime, js.EndTime)
	}
	if js.SrcBck != "src" || js.DstBck != "dst" || js.ETLName != "" || js.DirectPut || js.ObjErrs != nil {
		t.Errorf("job %+v: want src -> dst, nothing of etlcore's", js)
	}
	if len(js.Targets) != 2 || js.Targets["ZkdT8081"].ObjsOut != 12 || js.Targets["QrtP8082"].BytesOut != 8192 {
		t.Errorf("targets %+v", js.Targets)
	}
	for _, c := range []struct {
		status, state string
	}{
		{`{"kind":"etl-bck","uuid":"Vb3kQx9","err":"","end_time":0,"aborted":false}`, JobRunning},
		{`{"kind":"etl-bck","uuid":"Vb3kQx9","err":"etl hash: transformer down","end_time":0,"aborted":false}`, JobRunning},
		{`{"kind":"etl-bck","uuid":"Vb3kQx9","err":"etl hash: transformer down","end_time":1764815400500000000,"aborted":false}`, JobFailed},
		{`{"kind":"etl-bck","uuid":"Vb3kQx9","err":"","end_time":0,"aborted":true}`, JobAborted},
	} {
		st, _ := decodeXact(t, c.status, "{}")
		if js := JobFromXact(st, snaps); js.State != c.state || js.Finished() != (c.state != JobRunning) || js.Err != st.Err {
			t.Errorf("%s: state %s, want %s", c.status, js.State, c.state)
		}
	}
	// No snap of the job (none yet, or AIStore forgot it): no counters.
	if js := JobFromXact(st, nil); js.Counters != (Counters{}) || js.Targets != nil || js.StartTime != "" {
		t.Errorf("no snaps: %+v", js)
	}
}

// etlcore's snaps: the counters, ETL, direct put and object errors from
// Ext, the errors of every target, by object name.
func TestJobFromEtlcoreSnaps(t *testing.T) {
	st, snaps := decodeXact(t, aisStatusJSON, `{
 "t1": [{"ext":{"objs_in":3,"objs_out":2,"bytes_in":300,"bytes_out":20,"errors":1,"etl_name":"md5","direct_put":true,
   "obj_errs":[{"target":"t1","obj_name":"b","ecode":500,"message":"boom"}]},
  "id":"Vb3kQx9","kind":"etl-bck","stats":{"loc-objs":"2","loc-bytes":"20"},"src-bck":{"name":"src"},"dst-bck":{"name":"dst"}}],
 "t2": [{"ext":{"objs_in":2,"objs_out":1,"bytes_in":200,"bytes_out":10,"errors":1,"etl_name":"md5",
   "obj_errs":[{"target":"t2","obj_name":"a","ecode":408,"message":"timeout"}]},
  "id":"Vb3kQx9","kind":"etl-bck","stats":{"loc-objs":"1","loc-bytes":"10"}}]}`)
	js := JobFromXact(st, snaps)
	want := Counters{ObjsIn: 5, ObjsOut: 3, BytesIn: 500, BytesOut: 30, Errors: 2}
	if js.Counters != want || js.ETLName != "md5" || !js.DirectPut || js.SrcBck != "src" || js.DstBck != "dst" {
		t.Fatalf("job %+v, want %+v from md5 with direct put", js, want)
	}
	if len(js.ObjErrs) != 2 || js.ObjErrs[0].ObjName != "a" || js.ObjErrs[0].Target != "t2" || js.ObjErrs[1].Status != 500 {
		t.Errorf("object errors %+v", js.ObjErrs)
	}
	if js.Targets["t1"].Errors != 1 || js.Targets["t2"].BytesIn != 200 {
		t.Errorf("targets %+v", js.Targets)
	}
}

// The client asks AIStore's endpoints only, with AIStore's bodies: the
// status, then the snaps, of the job by id; the abort as "stop" with the
// job's ID in xact.ArgsMsg.
func TestClientJobRequests(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.RequestURI()+" "+string(b))
		switch r.URL.Query().Get(QparamWhat) {
		case WhatXactStatus:
			_, _ = io.WriteString(w, aisStatusJSON)
		case WhatXactQuery:
			_, _ = io.WriteString(w, aisSnapsJSON)
		}
	}))
	defer srv.Close()
	cl := NewClient(srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	js, err := cl.WaitJob(ctx, "Vb3kQx9", time.Millisecond)
	if err != nil || js.State != JobFinished || js.ObjsOut != 20 {
		t.Fatalf("wait: %+v %v", js, err)
	}
	if err := cl.AbortJob(ctx, "Vb3kQx9"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("requests %q", got)
	}
	for i, want := range []string{"GET /v1/cluster?what=status {\"id\":\"Vb3kQx9\"", "GET /v1/cluster?what=qryxstats {\"id\":\"Vb3kQx9\"",
		"PUT /v1/cluster {\"action\":\"stop\",\"value\":{\"ID\":\"Vb3kQx9\""} {
		if !strings.HasPrefix(got[i], want) {
			t.Errorf("request %d: %s, want %s...", i, got[i], want)
		}
	}
	if _, err := cl.Job(ctx, ""); err == nil {
		t.Error("status of an empty job id: no error")
	}
}

// The starts carry the destination as AIStore decodes it: bck_to as its
// bucket uname, tobck as its bucket object (which etlcore reads too).
func TestClientJobStartShapes(t *testing.T) {
	var queries, bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		queries, bodies = append(queries, r.URL.Query().Get(QparamBckTo)), append(bodies, string(b))
		_, _ = io.WriteString(w, "Vb3kQx9")
	}))
	defer srv.Close()
	cl := NewClient(srv.URL)
	ctx := context.Background()
	if id, err := cl.StartETLBucket(ctx, "src", "dst", TCBMsg{ETLName: "md5"}); err != nil || id != "Vb3kQx9" {
		t.Fatalf("etl-bck: %q %v", id, err)
	}
	if _, err := cl.StartETLListRange(ctx, "src", TCOMsg{TCBMsg: TCBMsg{ETLName: "md5"}, ToBck: "dst", Template: "o-{0..9}"}); err != nil {
		t.Fatal(err)
	}
	if queries[0] != "ais/@#/dst/" || queries[1] != "" {
		t.Errorf("bck_to %q, want AIStore's uname on the bucket job only", queries)
	}
	var am ActMsg
	var m TCOMsg
	if err := json.Unmarshal([]byte(bodies[1]), &am); err != nil || am.DecodeValue(&m) != nil || m.ToBck != "dst" || m.Template != "o-{0..9}" ||
		!strings.Contains(bodies[1], `"tobck":{"name":"dst","provider":"ais"`) {
		t.Errorf("etl-listrange body %s: want tobck as AIStore's bucket object", bodies[1])
	}
	if _, err := cl.StartETLListRange(ctx, "src", TCOMsg{TCBMsg: TCBMsg{ETLName: "md5"}, Template: "o-{0..9}"}); err == nil || !strings.Contains(err.Error(), "tobck") {
		t.Errorf("no destination: %v, want an error naming tobck", err)
	}
}
