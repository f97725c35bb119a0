package runner

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// RunFile is the record of a run in its results directory; its presence
// marks a directory as an etlbench run that a new run may replace.
const RunFile = "run.json"

// CellsDir is the subdirectory of the per-cell results.
const CellsDir = "cells"

// LatestLink is the name, in the results root, of the link to the last run.
const LatestLink = "latest"

// defaultOut is results/<scenario>-<timestamp>.
func defaultOut(root, scenario string, now time.Time) string {
	return filepath.Join(root, fmt.Sprintf("%s-%s", scenario, now.Format("20060102-150405")))
}

// prepareOut makes dir ready for a run: created if missing; emptied if it
// holds an earlier run (it has run.json); refused if it holds anything else.
//
// A symlink at dir (results/latest made by an earlier run) is replaced by a
// fresh directory; the run it points at is left alone.
func prepareOut(dir string) error {
	if fi, err := os.Lstat(dir); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		if err := os.Remove(dir); err != nil {
			return fmt.Errorf("results directory: replace link %s: %w", dir, err)
		}
	}
	ents, err := os.ReadDir(dir)
	switch {
	case os.IsNotExist(err):
		return os.MkdirAll(dir, 0o755)
	case err != nil:
		return fmt.Errorf("results directory: %w", err)
	case len(ents) == 0:
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, RunFile)); err != nil {
		return fmt.Errorf("results directory %s is not empty and holds no earlier etlbench run (%s): choose another -o", dir, RunFile)
	}
	for _, e := range ents {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("clear earlier run in %s: %w", dir, err)
		}
	}
	return nil
}

// linkLatest points root/latest at out (a relative symlink), replacing an
// older link but never a real directory or file.
func linkLatest(root, out string) error {
	link := filepath.Join(root, LatestLink)
	absOut, err1 := filepath.Abs(out)
	absLink, err2 := filepath.Abs(link)
	if err1 != nil || err2 != nil || absOut == absLink {
		return nil
	}
	if fi, err := os.Lstat(link); err == nil && fi.Mode()&os.ModeSymlink == 0 {
		return fmt.Errorf("%s exists and is not a symlink: left as it is", link)
	}
	target, err := filepath.Rel(filepath.Dir(absLink), absOut)
	if err != nil {
		target = absOut
	}
	tmp := link + ".tmp"
	_ = os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("link %s: %w", link, err)
	}
	if err := os.Rename(tmp, link); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("link %s: %w", link, err)
	}
	return nil
}

// writeJSON writes v to path atomically.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
