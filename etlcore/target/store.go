// Package target is an etlcore storage node: objects on mountpaths, the
// object and bucket API, inline ETL, offline job workers and the receiver
// of direct puts.
package target

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/etlbench/etlbench/etlcore/cluster"
)

// workDirName is the per-mountpath directory of in-progress writes; bucket
// names cannot start with '.', so it never collides with a bucket.
const workDirName = ".work"

// Store keeps objects as files under one or more mountpaths:
// <mountpath>/<bucket>/<object name>. The mountpath of an object is chosen
// by HRW over the mountpaths.
type Store struct {
	mpaths []string // absolute, cleaned
	fsync  bool
	trash  trash
}

// NewStore creates the mountpath directories (and their work directories).
func NewStore(mpaths []string, fsync bool) (*Store, error) {
	if len(mpaths) == 0 {
		return nil, fmt.Errorf("store: no mountpaths")
	}
	s := &Store{fsync: fsync}
	for _, mp := range mpaths {
		abs, err := filepath.Abs(mp)
		if err != nil {
			return nil, fmt.Errorf("store: mountpath %q: %w", mp, err)
		}
		work := filepath.Join(abs, workDirName)
		if err := os.MkdirAll(work, 0o755); err != nil {
			return nil, fmt.Errorf("store: create mountpath %q: %w", abs, err)
		}
		// Leftovers of writers killed mid-write are never visible objects;
		// remove them.
		if ents, err := os.ReadDir(work); err == nil {
			for _, e := range ents {
				if e.Name() != trashDirName {
					_ = os.RemoveAll(filepath.Join(work, e.Name()))
				}
			}
		}
		if err := makeTrash(abs); err != nil {
			return nil, err
		}
		s.mpaths = append(s.mpaths, abs)
	}
	s.tidyTrash()
	return s, nil
}

// Mountpaths returns the absolute mountpaths.
func (s *Store) Mountpaths() []string { return append([]string(nil), s.mpaths...) }

// mpath returns the mountpath of bck/obj.
func (s *Store) mpath(bck, obj string) string {
	if len(s.mpaths) == 1 {
		return s.mpaths[0]
	}
	return s.mpaths[cluster.HRW(s.mpaths, cluster.Uname(bck, obj))]
}

// FQN returns the file of bck/obj after validating both names.
func (s *Store) FQN(bck, obj string) (string, error) {
	if err := cluster.ValidateBucket(bck); err != nil {
		return "", &StoreError{Status: 400, Err: err}
	}
	if err := cluster.ValidateObjName(obj); err != nil {
		return "", &StoreError{Status: 400, Err: err}
	}
	mp := s.mpath(bck, obj)
	fqn := filepath.Join(mp, bck, filepath.FromSlash(obj))
	// Belt and braces: the validated name cannot escape, check anyway.
	if !strings.HasPrefix(fqn, filepath.Join(mp, bck)+string(filepath.Separator)) {
		return "", &StoreError{Status: 400, Err: fmt.Errorf("object name %q escapes its bucket", obj)}
	}
	return fqn, nil
}

// Owns reports whether fqn is a file under one of the mountpaths (and not
// in a work directory): the only files a transformer may be pointed at.
func (s *Store) Owns(fqn string) bool {
	clean := filepath.Clean(fqn)
	if clean != fqn || !filepath.IsAbs(fqn) {
		return false
	}
	for _, mp := range s.mpaths {
		if strings.HasPrefix(fqn, mp+string(filepath.Separator)) &&
			!strings.HasPrefix(fqn, filepath.Join(mp, workDirName)+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// StoreError carries the HTTP status a storage failure maps to.
type StoreError struct {
	Status int
	Err    error
}

func (e *StoreError) Error() string { return e.Err.Error() }
func (e *StoreError) Unwrap() error { return e.Err }

// statusOf maps a storage error to an HTTP status.
func statusOf(err error) int {
	var se *StoreError
	switch {
	case errors.As(err, &se):
		return se.Status
	case errors.Is(err, os.ErrNotExist):
		return 404
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return 507
	case errors.Is(err, syscall.ENOTDIR), errors.Is(err, syscall.EISDIR), errors.Is(err, syscall.EEXIST):
		return 409
	}
	return 500
}
