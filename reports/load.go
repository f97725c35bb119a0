package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/etlbench/etlbench/reports/result"
)

// ResultFile is the name of the file every run writes.
const ResultFile = "result.json"

// LoadDir reads every result.json under dir (recursively), in path order.
// dir may also name one result file. Every error names the file at fault;
// a missing directory and a directory without results are errors.
func LoadDir(dir string) ([]*result.Result, error) {
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("results directory %s does not exist", dir)
		}
		return nil, fmt.Errorf("results directory: %w", err)
	}
	if !st.IsDir() {
		r, err := LoadFile(dir)
		if err != nil {
			return nil, err
		}
		return []*result.Result{r}, nil
	}
	var paths []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("reading %s: %w", path, err)
		}
		if !d.IsDir() && d.Name() == ResultFile {
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no %s files under %s", ResultFile, dir)
	}
	sort.Strings(paths)
	out := make([]*result.Result, 0, len(paths))
	for _, p := range paths {
		r, err := LoadFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// LoadFile reads and validates one result file: the schema must be
// result.SchemaV1, and every histogram must decode.
func LoadFile(path string) (*result.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading result: %w", err)
	}
	defer f.Close()
	var r result.Result
	dec := json.NewDecoder(f)
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: invalid JSON: %w", path, err)
	}
	if err := Validate(&r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// Validate checks that a result can be reported: known schema, something
// measured, sane numbers and decodable histograms.
func Validate(r *result.Result) error {
	if r.Schema != result.SchemaV1 {
		return fmt.Errorf("schema %q, want %q", r.Schema, result.SchemaV1)
	}
	if len(r.Summary) == 0 && len(r.Intervals) == 0 {
		return errors.New("no summary and no intervals: nothing was measured")
	}
	for op, s := range r.Summary {
		if s.Ops < 0 || s.Errors < 0 || s.OpsPerSec < 0 || s.MiBPerSec < 0 {
			return fmt.Errorf("summary of %q: negative counts or rates", op)
		}
	}
	for i, iv := range r.Intervals {
		for op, o := range iv.Ops {
			if o.Hist != "" {
				if _, err := result.DecodeHist(o.Hist); err != nil {
					return fmt.Errorf("interval %d, op %q: histogram: %w", i, op, err)
				}
			}
			if o.ServiceHist != "" {
				if _, err := result.DecodeHist(o.ServiceHist); err != nil {
					return fmt.Errorf("interval %d, op %q: service histogram: %w", i, op, err)
				}
			}
		}
	}
	return nil
}
