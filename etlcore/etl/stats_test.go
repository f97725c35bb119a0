package etl

import (
	"fmt"
	"sync"
	"testing"
)

func TestStats(t *testing.T) {
	var s Stats
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				if i%10 == 0 {
					// 8 workers x 100 errors; 20 distinct messages per worker
					s.AddErr("t1", fmt.Sprintf("o%d", i), 500, fmt.Sprintf("boom %d/%d", w, i%200))
					continue
				}
				s.Add(10, 3)
			}
		})
	}
	wg.Wait()
	c, errs := s.Snapshot()
	if c.ObjsIn != 8000 || c.ObjsOut != 7200 || c.Errors != 800 || c.BytesIn != 72000 || c.BytesOut != 7200*3 {
		t.Fatalf("counters %+v", c)
	}
	if c.ObjsIn != c.ObjsOut+c.Errors {
		t.Fatal("in != out + errors")
	}
	if len(errs) != 8*20 && len(errs) != MaxObjErrs {
		t.Fatalf("%d errors kept", len(errs))
	}
	if len(errs) > MaxObjErrs {
		t.Fatalf("kept %d errors, more than %d", len(errs), MaxObjErrs)
	}
	seen := map[string]bool{}
	for _, e := range errs {
		if seen[e.Message] {
			t.Fatalf("duplicate error kept: %q", e.Message)
		}
		seen[e.Message] = true
		if e.Target != "t1" || e.Status != 500 || e.ObjName == "" {
			t.Fatalf("error %+v", e)
		}
	}
}

func TestStatsDedupByStatusAndMessage(t *testing.T) {
	var s Stats
	s.AddErr("t", "a", 500, "same")
	s.AddErr("t", "b", 500, "same")
	s.AddErr("t", "c", 404, "same")
	s.AddError("t", "d", &ObjError{Class: ClassTimeout, Msg: "slow"})
	s.AddError("t", "e", fmt.Errorf("plain"))
	c, errs := s.Snapshot()
	if c.Errors != 5 || c.ObjsIn != 5 || c.ObjsOut != 0 {
		t.Fatalf("counters %+v", c)
	}
	if len(errs) != 4 || errs[0].ObjName != "a" || errs[1].Status != 404 || errs[2].Status != 504 || errs[3].Status != 500 {
		t.Fatalf("errors %+v", errs)
	}
	errs[0].Message = "changed"
	if _, again := s.Snapshot(); again[0].Message != "same" {
		t.Fatal("Snapshot does not copy")
	}
	var empty Stats
	if c, errs := empty.Snapshot(); c.ObjsIn != 0 || len(errs) != 0 {
		t.Fatalf("empty %+v %v", c, errs)
	}
}

func TestStatsKeepsFirst128(t *testing.T) {
	var s Stats
	for i := range 500 {
		s.AddErr("t", fmt.Sprint(i), 500, fmt.Sprint("e", i))
	}
	c, errs := s.Snapshot()
	if c.Errors != 500 || len(errs) != MaxObjErrs || errs[0].ObjName != "0" || errs[127].ObjName != "127" {
		t.Fatalf("errors %d kept %d first %q last %q", c.Errors, len(errs), errs[0].ObjName, errs[len(errs)-1].ObjName)
	}
}
