package transformer

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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

// openFQN opens the local file an etl_fqn (or ws "fqn") names and returns
// it with its size. The value is path-escaped the way AIStore sends it
// (url.PathEscape; a plain path works too). It must be a clean absolute
// path (400), inside the allowed roots when there are any, symlinks
// resolved (403), and a regular file (404 when missing, 400 otherwise).
// The file opened is the one checked: its real path is read back from the
// open descriptor (one readlink of /proc/self/fd, instead of an lstat per
// path segment before opening).
func (s *Server) openFQN(escaped string) (*os.File, int64, error) {
	fqn, err := url.PathUnescape(escaped)
	if err != nil {
		return nil, 0, errStatus(http.StatusBadRequest, "etl_fqn %q: bad escaping: %v", escaped, err)
	}
	if strings.IndexByte(fqn, 0) >= 0 {
		return nil, 0, errStatus(http.StatusBadRequest, "etl_fqn %q: contains NUL", fqn)
	}
	if !filepath.IsAbs(fqn) {
		return nil, 0, errStatus(http.StatusBadRequest, "etl_fqn %q: not an absolute path", fqn)
	}
	for _, seg := range strings.Split(fqn, "/") {
		if seg == ".." || seg == "." {
			return nil, 0, errStatus(http.StatusBadRequest, "etl_fqn %q: %q segments are not allowed", fqn, seg)
		}
	}
	fqn = filepath.Clean(fqn)
	if len(s.roots) > 0 && !within(fqn, s.cfg.AllowedRoots) && !within(fqn, s.roots) {
		return nil, 0, errStatus(http.StatusForbidden, "etl_fqn %q: outside the target's mountpaths", fqn)
	}
	f, err := os.Open(fqn)
	if err != nil {
		return nil, 0, fqnOpenErr(fqn, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fqnOpenErr(fqn, err)
	}
	if len(s.roots) > 0 {
		real, err := openedPath(f, st)
		if err != nil {
			f.Close()
			return nil, 0, fqnOpenErr(fqn, err)
		}
		if !within(real, s.roots) {
			f.Close()
			return nil, 0, errStatus(http.StatusForbidden, "etl_fqn %q: resolves to %q, outside the target's mountpaths", fqn, real)
		}
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, errStatus(http.StatusBadRequest, "etl_fqn %q: not a regular file", fqn)
	}
	return f, st.Size(), nil
}

// openedPath returns the real path of an open file (symlinks resolved):
// the kernel's name of its descriptor, or, without /proc, the path it was
// opened by with its symlinks resolved. A file replaced or removed since it
// was opened (an object overwritten meanwhile) is named by the path it had,
// which the kernel marks " (deleted)"; its bytes are still the object's.
func openedPath(f *os.File, st fs.FileInfo) (string, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return "", err
	}
	var (
		real  string
		rlErr error
	)
	if err := rc.Control(func(fd uintptr) {
		real, rlErr = os.Readlink("/proc/self/fd/" + strconv.FormatUint(uint64(fd), 10))
	}); err != nil {
		return "", err
	}
	if rlErr != nil || !filepath.IsAbs(real) {
		return filepath.EvalSymlinks(f.Name())
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && sys.Nlink == 0 {
		real = strings.TrimSuffix(real, " (deleted)")
	}
	return real, nil
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
