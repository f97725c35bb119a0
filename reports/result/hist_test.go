package result

import (
	"strings"
	"testing"
)

func TestHistRoundTripAndPercentiles(t *testing.T) {
	h := NewHist()
	for v := int64(1); v <= 1000; v++ {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	s, err := EncodeHist(h)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeHist(s)
	if err != nil {
		t.Fatal(err)
	}
	p := HistPercentiles(back)
	if p.P50 < 495 || p.P50 > 505 || p.Max < 999 || p.Min != 1 || back.TotalCount() != 1000 {
		t.Errorf("after a round trip: %+v, %d values", p, back.TotalCount())
	}
	if e, err := DecodeHist(""); err != nil || e.TotalCount() != 0 || HistPercentiles(e) != (Percentiles{}) {
		t.Errorf("an empty histogram: %v, %v", e, err)
	}
	if _, err := DecodeHist("not a histogram"); err == nil || !strings.Contains(err.Error(), "decode histogram") {
		t.Errorf("bad input: %v", err)
	}
}
