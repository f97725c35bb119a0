package loadgen

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// hlogSet writes one HdrHistogram interval log per operation
// (<dir>/<op>.hlog): the measured intervals, corrected histograms
// untagged and (open loop) service-time histograms tagged "service".
type hlogSet struct {
	files map[string]*hlogFile
	order []string
}

type hlogFile struct {
	f   *os.File
	buf *bufio.Writer
	w   *hdr.HistogramLogWriter
	// base is set from the first interval: start times are relative to it.
	base int64
}

func openHlogs(dir string, ops []string, open bool) (*hlogSet, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("results directory: %w", err)
	}
	s := &hlogSet{files: map[string]*hlogFile{}}
	for _, op := range ops {
		path := filepath.Join(dir, op+".hlog")
		f, err := os.Create(path)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("hlog: %w", err)
		}
		buf := bufio.NewWriter(f)
		hf := &hlogFile{f: f, buf: buf, w: hdr.NewHistogramLogWriter(buf), base: -1}
		_ = hf.w.OutputComment(fmt.Sprintf("[etlbench load: operation %s; values in microseconds; the interval max column is in seconds (us / 1e6)]", op))
		if open {
			_ = hf.w.OutputComment("[open loop: untagged = latency from the intended start (corrected), Tag=service = from the actual send]")
		}
		_ = hf.w.OutputLogFormatVersion()
		s.files[op] = hf
		s.order = append(s.order, op)
	}
	return s, nil
}

// write appends the interval of rot to every operation's log.
func (s *hlogSet) write(rot *Rotated) error {
	start := rot.Interval.Start.UnixMilli()
	end := rot.Interval.End.UnixMilli()
	for _, op := range s.order {
		hf := s.files[op]
		hs, ok := rot.Hists[op]
		if !ok {
			continue
		}
		if hf.base < 0 {
			hf.base = start
			hf.w.SetBaseTime(start)
			if err := hf.w.OutputStartTime(start); err != nil {
				return fmt.Errorf("%s.hlog: %w", op, err)
			}
			if err := hf.w.OutputBaseTime(start); err != nil {
				return fmt.Errorf("%s.hlog: %w", op, err)
			}
			if err := hf.w.OutputLegend(); err != nil {
				return fmt.Errorf("%s.hlog: %w", op, err)
			}
		}
		for i, h := range hs {
			if h == nil {
				continue
			}
			h.SetStartTimeMs(start)
			h.SetEndTimeMs(end)
			h.SetTag("")
			if i == 1 {
				h.SetTag("service")
			}
			if err := hf.w.OutputIntervalHistogram(h); err != nil {
				return fmt.Errorf("%s.hlog: %w", op, err)
			}
		}
	}
	return nil
}

// close flushes and closes every log.
func (s *hlogSet) close() error {
	if s == nil {
		return nil
	}
	var first error
	for _, op := range s.order {
		hf := s.files[op]
		if err := hf.buf.Flush(); err != nil && first == nil {
			first = fmt.Errorf("%s.hlog: %w", op, err)
		}
		if err := hf.f.Close(); err != nil && first == nil {
			first = fmt.Errorf("%s.hlog: %w", op, err)
		}
	}
	s.files, s.order = nil, nil
	return first
}
