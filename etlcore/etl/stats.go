package etl

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/etlbench/etlbench/etlcore/api"
)

// MaxObjErrs is how many distinct object errors a Stats keeps (as AIStore).
const MaxObjErrs = 128

// Stats are the counters of an ETL or a job on one target: objects and
// bytes in and out, errors, and the first MaxObjErrs distinct errors. All
// methods are safe for concurrent use.
type Stats struct {
	objsIn, objsOut, bytesIn, bytesOut, nerrs atomic.Int64

	mu   sync.Mutex
	errs []api.ObjErr
	seen map[string]struct{}
}

// Add records one object done: in bytes read, out bytes produced.
func (s *Stats) Add(in, out int64) {
	s.objsIn.Add(1)
	s.objsOut.Add(1)
	if in > 0 {
		s.bytesIn.Add(in)
	}
	if out > 0 {
		s.bytesOut.Add(out)
	}
}

// AddErr records one failed object (an object in, an error, no object out)
// and keeps its error if it is among the first MaxObjErrs distinct ones
// (distinct by status and message).
func (s *Stats) AddErr(target, obj string, status int, msg string) {
	s.objsIn.Add(1)
	s.nerrs.Add(1)
	key := strconv.Itoa(status) + "\x00" + msg
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) >= MaxObjErrs {
		return
	}
	if _, dup := s.seen[key]; dup {
		return
	}
	if s.seen == nil {
		s.seen = make(map[string]struct{})
	}
	s.seen[key] = struct{}{}
	s.errs = append(s.errs, api.ObjErr{Target: target, ObjName: obj, Status: status, Message: msg})
}

// AddError is AddErr for an error value, with the status HTTPStatus gives.
func (s *Stats) AddError(target, obj string, err error) {
	status := HTTPStatus(err)
	msg := "unknown error"
	if err != nil {
		msg = err.Error()
	}
	s.AddErr(target, obj, status, msg)
}

// Snapshot returns the counters and a copy of the kept errors.
func (s *Stats) Snapshot() (api.Counters, []api.ObjErr) {
	c := api.Counters{
		ObjsIn:   s.objsIn.Load(),
		ObjsOut:  s.objsOut.Load(),
		BytesIn:  s.bytesIn.Load(),
		BytesOut: s.bytesOut.Load(),
		Errors:   s.nerrs.Load(),
	}
	s.mu.Lock()
	errs := append([]api.ObjErr(nil), s.errs...)
	s.mu.Unlock()
	return c, errs
}
