package api

import (
	"maps"
	"slices"
	"sort"
	"time"
)

// JobFromXact is job st as the client's JobStatus, with its counters,
// per target and summed, from the targets' snaps of it (the answer of
// what=qryxstats; snaps of other jobs are skipped). A snap with Ext
// (etlcore) gives etlcore's counters, the ETL's name, direct put and the
// object errors recorded on its target; one without (AIStore) gives the
// objects and bytes the target processed (loc-objs, loc-bytes) as objects
// in and out and bytes out, and leaves the rest empty: AIStore's snaps
// carry no bytes read, no error count and no per-object errors.
func JobFromXact(st *AisXactStatus, snaps map[string][]AisXactSnap) *JobStatus {
	js := &JobStatus{ID: st.UUID, Kind: st.Kind, Err: st.Err, State: xactState(st)}
	if st.EndTime != 0 {
		js.EndTime = time.Unix(0, st.EndTime).UTC().Format(time.RFC3339Nano)
	}
	var start time.Time
	for _, tid := range slices.Sorted(maps.Keys(snaps)) {
		for i := range snaps[tid] {
			sn := &snaps[tid][i]
			if sn.ID != st.UUID {
				continue
			}
			js.addSnap(tid, sn)
			if !sn.StartTime.IsZero() && (start.IsZero() || sn.StartTime.Before(start)) {
				start = sn.StartTime
			}
		}
	}
	if !start.IsZero() {
		js.StartTime = start.UTC().Format(time.RFC3339Nano)
	}
	sort.SliceStable(js.ObjErrs, func(i, j int) bool { return js.ObjErrs[i].ObjName < js.ObjErrs[j].ObjName })
	return js
}

// xactState is the client's state of job st: aborted, running until it
// has an end time, then failed if it ended with an error, else finished.
func xactState(st *AisXactStatus) string {
	switch {
	case st.Aborted:
		return JobAborted
	case st.EndTime == 0:
		return JobRunning
	case st.Err != "":
		return JobFailed
	}
	return JobFinished
}

// addSnap adds target tid's snap of the job to s.
func (s *JobStatus) addSnap(tid string, sn *AisXactSnap) {
	var cnt Counters
	if sn.Ext != nil {
		cnt = sn.Ext.Counters
		if s.ETLName == "" {
			s.ETLName = sn.Ext.ETLName
		}
		s.DirectPut = s.DirectPut || sn.Ext.DirectPut
		s.ObjErrs = append(s.ObjErrs, sn.Ext.ObjErrs...)
	} else {
		cnt = Counters{ObjsIn: sn.Stats.LocObjs, ObjsOut: sn.Stats.LocObjs, BytesOut: sn.Stats.LocBytes}
	}
	if s.Targets == nil {
		s.Targets = map[string]Counters{}
	}
	t := s.Targets[tid]
	t.Add(cnt)
	s.Targets[tid] = t
	s.Counters.Add(cnt)
	if s.Kind == "" {
		s.Kind = sn.Kind
	}
	if s.SrcBck == "" {
		s.SrcBck = sn.SrcBck.Name
	}
	if s.DstBck == "" {
		s.DstBck = sn.DstBck.Name
	}
	if s.DstBck == "" {
		s.DstBck = sn.Bck.Name
	}
}
