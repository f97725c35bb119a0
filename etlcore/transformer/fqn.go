package transformer

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// resolveRoots cleans the allowed roots and resolves their symlinks, so
// that a file's real path can be compared with them.
func resolveRoots(roots []string) []string {
	out := make([]string, 0, len(roots))
	for _, r := range roots {
		r = filepath.Clean(r)
		if real, err := filepath.EvalSymlinks(r); err == nil {
			r = real
		}
		out = append(out, r)
	}
	return out
}

func within(p string, roots []string) bool {
	for _, r := range roots {
		if p == r || strings.HasPrefix(p, strings.TrimSuffix(r, string(filepath.Separator))+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// openFQN opens the local file an etl_fqn (or ws "fqn") names. The value
// is path-escaped the way AIStore sends it (url.PathEscape; a plain path
// works too). It must be a clean absolute path (400), inside the allowed
// roots when there are any, symlinks resolved (403), and a regular file
// (404 when missing, 400 otherwise).
func (s *Server) openFQN(escaped string) (*os.File, error) {
	fqn, err := url.PathUnescape(escaped)
	if err != nil {
		return nil, errStatus(http.StatusBadRequest, "etl_fqn %q: bad escaping: %v", escaped, err)
	}
	if strings.IndexByte(fqn, 0) >= 0 {
		return nil, errStatus(http.StatusBadRequest, "etl_fqn %q: contains NUL", fqn)
	}
	if !filepath.IsAbs(fqn) {
		return nil, errStatus(http.StatusBadRequest, "etl_fqn %q: not an absolute path", fqn)
	}
	for _, seg := range strings.Split(fqn, "/") {
		if seg == ".." || seg == "." {
			return nil, errStatus(http.StatusBadRequest, "etl_fqn %q: %q segments are not allowed", fqn, seg)
		}
	}
	fqn = filepath.Clean(fqn)
	if len(s.roots) > 0 {
		if !within(fqn, s.cfg.AllowedRoots) && !within(fqn, s.roots) {
			return nil, errStatus(http.StatusForbidden, "etl_fqn %q: outside the target's mountpaths", fqn)
		}
		real, err := filepath.EvalSymlinks(fqn)
		if err != nil {
			return nil, fqnOpenErr(fqn, err)
		}
		if !within(real, s.roots) {
			return nil, errStatus(http.StatusForbidden, "etl_fqn %q: resolves to %q, outside the target's mountpaths", fqn, real)
		}
		fqn = real
	}
	f, err := os.Open(fqn)
	if err != nil {
		return nil, fqnOpenErr(fqn, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fqnOpenErr(fqn, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, errStatus(http.StatusBadRequest, "etl_fqn %q: not a regular file", fqn)
	}
	return f, nil
}

func fqnOpenErr(fqn string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errStatus(http.StatusNotFound, "etl_fqn %q: no such file", fqn)
	case errors.Is(err, fs.ErrPermission):
		return errStatus(http.StatusForbidden, "etl_fqn %q: permission denied", fqn)
	}
	return errStatus(http.StatusInternalServerError, "etl_fqn %q: %v", fqn, fmt.Errorf("open: %w", err))
}
