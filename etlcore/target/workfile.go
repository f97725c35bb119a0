package target

import (
	"hash"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// workFile is a PUT's file in a mountpath's work directory, written
// through its descriptor with plain system calls: an *os.File would add
// five calls per PUT (non-blocking mode set and cleared, a failed poller
// registration) that a regular file does not need.
type workFile struct {
	path string
	fd   int // -1 once closed
}

// createWorkFile creates path, which must not exist.
func createWorkFile(path string) (*workFile, error) {
	for {
		fd, err := unix.Open(path, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return &workFile{path: path, fd: fd}, nil
	}
}

// fill copies r to the file and into h, filling buf before each write: a
// body that fits buf is one write, whatever pieces the socket gave it in.
// Only io.EOF ends the body; any other error, io.ErrUnexpectedEOF of a
// truncated request body among them, is returned, so the caller never
// commits a partial object.
func (w *workFile) fill(r io.Reader, h hash.Hash, buf []byte) (int64, error) {
	var n int64
	for {
		k, rerr := readFull(r, buf)
		if k > 0 {
			h.Write(buf[:k])
			if err := w.write(buf[:k]); err != nil {
				return n, err
			}
			n += int64(k)
		}
		switch {
		case rerr == nil:
		case rerr == io.EOF:
			return n, nil
		default:
			return n, rerr
		}
	}
}

// readFull reads r until buf is full or r fails, and returns r's own
// error (unlike io.ReadFull, which turns an early io.EOF into
// io.ErrUnexpectedEOF and so hides a reader's own io.ErrUnexpectedEOF).
func readFull(r io.Reader, buf []byte) (int, error) {
	k := 0
	for k < len(buf) {
		m, err := r.Read(buf[k:])
		k += m
		if err != nil {
			return k, err
		}
	}
	return k, nil
}

func (w *workFile) write(b []byte) error {
	for len(b) > 0 {
		k, err := unix.Write(w.fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &os.PathError{Op: "write", Path: w.path, Err: err}
		}
		b = b[k:]
	}
	return nil
}

func (w *workFile) sync() error {
	for {
		err := unix.Fsync(w.fd)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &os.PathError{Op: "fsync", Path: w.path, Err: err}
		}
		return nil
	}
}

// setxattr sets an extended attribute through the descriptor; errors are
// ignored (a filesystem without user xattrs keeps no checksum).
func (w *workFile) setxattr(name, value string) {
	_ = unix.Fsetxattr(w.fd, name, []byte(value), 0)
}

// close closes the descriptor once.
func (w *workFile) close() error {
	if w.fd < 0 {
		return nil
	}
	err := unix.Close(w.fd)
	w.fd = -1
	if err != nil {
		return &os.PathError{Op: "close", Path: w.path, Err: err}
	}
	return nil
}

// discard closes and removes the work file (a failed PUT).
func (w *workFile) discard() {
	_ = w.close()
	_ = unix.Unlink(w.path)
}
