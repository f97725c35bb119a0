package target

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/etlbench/etlbench/etlcore/api"
)

// CreateBucket creates the bucket's directory on every mountpath.
func (s *Store) CreateBucket(bck string) error {
	for _, mp := range s.mpaths {
		if err := os.MkdirAll(filepath.Join(mp, bck), 0o755); err != nil {
			return fmt.Errorf("create bucket %s: %w", bck, err)
		}
	}
	return nil
}

// BucketExists reports whether bck's directory exists.
func (s *Store) BucketExists(bck string) bool {
	fi, err := os.Stat(filepath.Join(s.mpaths[0], bck))
	return err == nil && fi.IsDir()
}

// Buckets lists the buckets present on the first mountpath.
func (s *Store) Buckets() []string {
	ents, _ := os.ReadDir(s.mpaths[0])
	var out []string
	for _, e := range ents {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}

// DestroyBucket removes the bucket and all its objects: it moves the
// bucket's directory on every mountpath to the trash at once, so no reader
// sees a half-removed bucket, and the files are removed later in the
// background (trash.go).
func (s *Store) DestroyBucket(bck string) error {
	bytes := s.trash.takeWritten(bck) / int64(len(s.mpaths))
	for _, mp := range s.mpaths {
		if err := s.moveToTrash(mp, bck, bytes); err != nil {
			return fmt.Errorf("destroy bucket %s: %w", bck, err)
		}
	}
	s.tidyTrash()
	return nil
}

// List returns up to pageSize objects of bck whose names start with prefix
// and sort after token, sorted by name, and whether more remain.
func (s *Store) List(bck, prefix, token string, pageSize int) ([]api.ListEntry, bool, error) {
	var all []api.ListEntry
	for _, mp := range s.mpaths {
		root := filepath.Join(mp, bck)
		// Walk only the directory that can hold the prefix.
		start := root
		if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
			start = filepath.Join(root, filepath.FromSlash(prefix[:i]))
		}
		err := filepath.WalkDir(start, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return nil
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			name := filepath.ToSlash(rel)
			if !strings.HasPrefix(name, prefix) || (token != "" && name <= token) {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return nil // removed meanwhile
			}
			all = append(all, api.ListEntry{Name: name, Size: info.Size()})
			return nil
		})
		if err != nil {
			return nil, false, fmt.Errorf("list bucket %s: %w", bck, err)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	more := false
	if pageSize > 0 && len(all) > pageSize {
		all, more = all[:pageSize], true
	}
	return all, more, nil
}
