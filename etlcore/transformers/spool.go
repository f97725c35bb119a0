package transformers

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// spoolMemMax is how much a spool keeps in memory before it moves to a
// temp file.
const spoolMemMax = 4 << 20

// spool stores a stream of unknown length to be read back: in memory while
// small, then in a temp file, so memory stays bounded.
type spool struct {
	mem    bytes.Buffer
	file   *os.File
	orphan string // the temp file's name if it could not be unlinked at once
}

func newSpool() *spool { return &spool{} }

func (s *spool) Write(p []byte) (int, error) {
	if s.file == nil && s.mem.Len()+len(p) > spoolMemMax {
		f, err := os.CreateTemp("", "etlbench-spool-*")
		if err != nil {
			return 0, fmt.Errorf("spool: %w", err)
		}
		s.file = f
		// Unlink at once: the file lives as long as it is open, and a
		// killed process leaves nothing behind.
		if os.Remove(f.Name()) != nil {
			s.orphan = f.Name()
		}
		if _, err := s.mem.WriteTo(f); err != nil {
			return 0, fmt.Errorf("spool: %w", err)
		}
	}
	if s.file != nil {
		return s.file.Write(p)
	}
	return s.mem.Write(p)
}

// reader returns a reader of everything written, from the start.
func (s *spool) reader() (io.Reader, error) {
	if s.file == nil {
		return bytes.NewReader(s.mem.Bytes()), nil
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("spool: rewind: %w", err)
	}
	return s.file, nil
}

// Close releases the spool's memory and removes its temp file.
func (s *spool) Close() error {
	s.mem = bytes.Buffer{}
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	if s.orphan != "" {
		if rerr := os.Remove(s.orphan); err == nil {
			err = rerr
		}
	}
	return err
}
