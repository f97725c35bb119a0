package loadgen

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/etlbench/etlbench/etlcore/api"
)

// fakeCluster is a loopback HTTP server with the few paths the loader
// uses (cluster map, buckets, objects, inline ETL, jobs), for unit tests
// of the loader itself. The real cluster is exercised in e2e_test.go.
type fakeCluster struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	buckets  map[string]map[string][]byte
	etls     map[string]string // ETL name -> transformer
	jobs     map[string]*api.JobStatus
	jobSeq   int
	requests int

	// before, when set, runs before every object request (stalls, faults).
	before func(w http.ResponseWriter, r *http.Request) bool
	// wrongChecksum makes GET send a bad checksum.
	wrongChecksum bool
	// wrongOutput makes inline transforms answer garbage.
	wrongOutput bool
	// jobObjsPerPoll is how many objects a job advances per status poll.
	jobObjsPerPoll int
	// aisSnaps makes the job snaps AIStore's (no etlcore Ext: no bytes in,
	// no error count, no per-object errors).
	aisSnaps bool
}

func newFakeCluster(t testing.TB) *fakeCluster {
	f := &fakeCluster{t: t, buckets: map[string]map[string][]byte{}, etls: map[string]string{},
		jobs: map[string]*api.JobStatus{}, jobObjsPerPoll: 5}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeCluster) URL() string { return f.srv.URL }

func (f *fakeCluster) addObjects(bck string, n int, size int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.buckets[bck] == nil {
		f.buckets[bck] = map[string][]byte{}
	}
	c := NewContent(7)
	for i := 0; i < n; i++ {
		f.buckets[bck][PopulateName(i)] = c.Bytes(uint64(i), int64(size))
	}
}

func (f *fakeCluster) count(bck string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.buckets[bck])
}

func (f *fakeCluster) object(bck, obj string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.buckets[bck][obj]
	return b, ok
}

func fakeTransform(tr, args string, in []byte) []byte {
	switch tr {
	case "md5":
		s := md5.Sum(in)
		return []byte(hex.EncodeToString(s[:]))
	case "hash-with-args":
		var seed uint64
		fmt.Sscan(args, &seed)
		h := xxhash.NewWithSeed(seed)
		h.Write(in)
		return []byte(fmt.Sprintf("%016x", h.Sum64()))
	}
	return in
}

func (f *fakeCluster) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.EscapedPath()
	switch {
	case p == api.PathDaemon && r.URL.Query().Get(api.QparamWhat) == api.WhatSmap:
		sm := api.Smap{Version: 1, Proxy: api.NodeInfo{ID: "p1", Role: "proxy", URL: f.srv.URL, Alive: true},
			Targets: []api.NodeInfo{{ID: "t1", Role: "target", URL: f.srv.URL, Alive: true}}}
		api.WriteJSON(w, sm.ToAis("fake", time.Now()))
	case strings.HasPrefix(p, api.PathBuckets):
		f.serveBucket(w, r, strings.TrimPrefix(p, api.PathBuckets))
	case strings.HasPrefix(p, api.PathObjects):
		if f.before != nil && f.before(w, r) {
			return
		}
		f.serveObject(w, r, strings.TrimPrefix(p, api.PathObjects))
	case strings.HasPrefix(p, api.PathETL+"/"):
		f.serveETL(w, r, strings.TrimPrefix(p, api.PathETL+"/"))
	case p == api.PathETL && r.Method == http.MethodPut:
		b, _ := io.ReadAll(r.Body)
		name, _, tr, _, err := ParseSpecInfo(b)
		if err != nil {
			api.WriteErr(w, r, 400, "%v", err)
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if _, dup := f.etls[name]; dup {
			api.WriteErr(w, r, 409, "ETL %s exists", name)
			return
		}
		f.etls[name] = tr
		fmt.Fprint(w, "etl-job-1")
	case p == api.PathCluster:
		f.serveJob(w, r)
	default:
		api.WriteErr(w, r, 404, "no route %s", p)
	}
}

func (f *fakeCluster) serveETL(w http.ResponseWriter, r *http.Request, rest string) {
	name, op, _ := strings.Cut(rest, "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	tr, ok := f.etls[name]
	if !ok {
		api.WriteErr(w, r, 404, "no ETL %s", name)
		return
	}
	switch {
	case r.Method == http.MethodGet && op == "":
		api.WriteJSON(w, api.ETLDetails{Info: api.ETLInfo{Name: name, Stage: api.StageRunning},
			Spec: BuildSpec(name, tr, "hpush", false)})
	case r.Method == http.MethodDelete:
		delete(f.etls, name)
	default:
		api.WriteErr(w, r, 400, "unsupported")
	}
}

func (f *fakeCluster) serveBucket(w http.ResponseWriter, r *http.Request, bck string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	objs, ok := f.buckets[bck]
	switch r.Method {
	case http.MethodHead:
		if !ok {
			w.WriteHeader(404)
		}
	case http.MethodPost:
		var msg api.ActMsg
		_ = json.NewDecoder(r.Body).Decode(&msg)
		switch msg.Action {
		case api.ActCreateBck:
			if !ok {
				f.buckets[bck] = map[string][]byte{}
			}
		case api.ActETLBck, api.ActETLListRange:
			var m api.TCOMsg
			if err := json.Unmarshal(msg.Value, &m); err != nil {
				api.WriteErr(w, r, 400, "%v", err)
				return
			}
			// bck_to is AIStore's bucket uname (ais/@#/NAME/).
			dst := strings.TrimSuffix(strings.TrimPrefix(r.URL.Query().Get(api.QparamBckTo), api.Provider+"/@#/"), "/")
			if dst == "" {
				dst = m.ToBck
			}
			f.jobSeq++
			id := fmt.Sprintf("job%d", f.jobSeq)
			f.jobs[id] = &api.JobStatus{ID: id, Kind: msg.Action, ETLName: m.ETLName, SrcBck: bck, DstBck: dst,
				State: api.JobRunning, StartTime: time.Now().Format(time.RFC3339Nano)}
			fmt.Fprint(w, id)
		}
	case http.MethodDelete:
		delete(f.buckets, bck)
	case http.MethodGet:
		if !ok {
			api.WriteErr(w, r, 404, "no bucket %s", bck)
			return
		}
		res := api.ListResult{}
		for n, b := range objs {
			res.Entries = append(res.Entries, api.ListEntry{Name: n, Size: int64(len(b))})
		}
		sort.Slice(res.Entries, func(i, j int) bool { return res.Entries[i].Name < res.Entries[j].Name })
		api.WriteJSON(w, res)
	}
}

// serveJob answers AIStore's job API: PUT {"action":"stop"} aborts, GET
// what=status answers the status and advances the job a little (the
// loader follows it), what=qryxstats answers the one target's snap, with
// etlcore's counters in Ext unless aisSnaps.
func (f *fakeCluster) serveJob(w http.ResponseWriter, r *http.Request) {
	var q api.AisXactQuery
	var am api.ActMsg
	b, _ := io.ReadAll(r.Body)
	if r.Method == http.MethodPut {
		if err := json.Unmarshal(b, &am); err != nil || am.Action != api.ActXactStop || am.DecodeValue(&q) != nil {
			api.WriteErr(w, r, 400, "bad stop %s", b)
			return
		}
	} else if err := json.Unmarshal(b, &q); err != nil {
		api.WriteErr(w, r, 400, "bad query %s: %v", b, err)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	j, ok := f.jobs[q.ID]
	if !ok {
		api.WriteErr(w, r, 404, "no job %q", q.ID)
		return
	}
	switch what := r.URL.Query().Get(api.QparamWhat); {
	case r.Method == http.MethodPut:
		if !j.Finished() {
			j.State, j.EndTime = api.JobAborted, time.Now().Format(time.RFC3339Nano)
		}
	case what == api.WhatXactStatus:
		f.advance(j)
		st := api.AisXactStatus{Kind: j.Kind, UUID: j.ID, Aborted: j.State == api.JobAborted}
		if j.Finished() {
			end, _ := time.Parse(time.RFC3339Nano, j.EndTime)
			st.EndTime = end.UnixNano()
		}
		api.WriteJSON(w, st)
	case what == api.WhatXactQuery:
		start, _ := time.Parse(time.RFC3339Nano, j.StartTime)
		snap := api.AisXactSnap{ID: j.ID, Kind: j.Kind, StartTime: start,
			SrcBck: api.AisBucket(j.SrcBck), DstBck: api.AisBucket(j.DstBck),
			Stats:   api.AisXactCounts{LocObjs: j.ObjsOut, LocBytes: j.BytesOut},
			Aborted: j.State == api.JobAborted, Idle: j.Finished()}
		if !f.aisSnaps {
			snap.Ext = &api.AisXactExt{Counters: j.Counters, ETLName: j.ETLName}
		}
		api.WriteJSON(w, map[string][]api.AisXactSnap{"t1": {snap}})
	default:
		api.WriteErr(w, r, 400, "what=%q", what)
	}
}

// advance transforms the job's next few objects.
func (f *fakeCluster) advance(j *api.JobStatus) {
	if j.Finished() {
		return
	}
	src := f.buckets[j.SrcBck]
	names := slices.Sorted(maps.Keys(src))
	if f.buckets[j.DstBck] == nil {
		f.buckets[j.DstBck] = map[string][]byte{}
	}
	tr := f.etls[j.ETLName]
	for k := 0; k < f.jobObjsPerPoll && int(j.ObjsIn) < len(names); k++ {
		n := names[j.ObjsIn]
		out := fakeTransform(tr, "", src[n])
		f.buckets[j.DstBck][n] = out
		j.ObjsIn++
		j.ObjsOut++
		j.BytesIn += int64(len(src[n]))
		j.BytesOut += int64(len(out))
	}
	if int(j.ObjsIn) >= len(names) {
		j.State, j.EndTime = api.JobFinished, time.Now().Format(time.RFC3339Nano)
	}
}

func (f *fakeCluster) serveObject(w http.ResponseWriter, r *http.Request, rest string) {
	bck, esc, _ := strings.Cut(rest, "/")
	obj, _ := url.PathUnescape(esc)
	switch r.Method {
	case http.MethodPut:
		b, err := io.ReadAll(r.Body)
		if err != nil {
			api.WriteErr(w, r, 400, "%v", err)
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if to := r.URL.Query().Get(api.QparamObjectTo); to != "" {
			src, ok := f.buckets[bck][obj]
			if !ok {
				api.WriteErr(w, r, 404, "no object %s", obj)
				return
			}
			// object_to is AIStore's object uname (ais/@#/BCK/OBJ).
			uname, ok := strings.CutPrefix(to, api.Provider+"/@#/")
			db, dobj, _ := strings.Cut(uname, "/")
			if !ok || db == "" || dobj == "" {
				api.WriteErr(w, r, 400, "object_to %q: not AIStore's object uname", to)
				return
			}
			if f.buckets[db] == nil {
				api.WriteErr(w, r, 404, "no bucket %s", db)
				return
			}
			f.buckets[db][dobj] = fakeTransform(f.etls[r.URL.Query().Get(api.QparamETLName)], r.URL.Query().Get(api.QparamETLArgs), src)
			return
		}
		if f.buckets[bck] == nil {
			api.WriteErr(w, r, 404, "no bucket %s", bck)
			return
		}
		f.buckets[bck][obj] = b
		f.requests++
	case http.MethodGet:
		f.mu.Lock()
		b, ok := f.buckets[bck][obj]
		f.requests++
		tr, hasETL := "", false
		if n := r.URL.Query().Get(api.QparamETLName); n != "" {
			tr, hasETL = f.etls[n]
			if !hasETL {
				f.mu.Unlock()
				api.WriteErr(w, r, 404, "etl %s not found", n)
				return
			}
		}
		wrongSum, wrongOut := f.wrongChecksum, f.wrongOutput
		f.mu.Unlock()
		if !ok {
			api.WriteErr(w, r, 404, "object %s/%s does not exist", bck, obj)
			return
		}
		if hasETL {
			out := fakeTransform(tr, r.URL.Query().Get(api.QparamETLArgs), b)
			if wrongOut {
				out = []byte("garbage")
			}
			w.Write(out)
			return
		}
		sum := fmt.Sprintf("%016x", xxhash.Sum64(b))
		if wrongSum {
			sum = "0000000000000000"
		}
		w.Header().Set(api.HdrChecksumValue, sum)
		w.Write(b)
	case http.MethodDelete:
		f.mu.Lock()
		delete(f.buckets[bck], obj)
		f.mu.Unlock()
	}
}
