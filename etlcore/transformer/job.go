package transformer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
)

// job is one running Transform: its output is the read side of a pipe, so
// the transform streams straight into the reply (bounded memory).
type job struct {
	out    *io.PipeReader
	cancel context.CancelFunc
	done   chan struct{}
	err    error // the transform's result, valid after done
}

// start runs s's transform of src in a goroutine.
func (s *Server) start(ctx context.Context, req Request, src io.Reader) *job {
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	j := &job{out: pr, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(j.done)
		err := s.call(ctx, req, src, pw)
		pw.CloseWithError(err) // nil: EOF
		j.err = err
	}()
	return j
}

// call runs the transform, turning a panic into an error.
func (s *Server) call(ctx context.Context, req Request, src io.Reader, w io.Writer) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("transform panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return s.fn(ctx, req, src, w)
}

// stop ends the job (its output is no longer wanted), waits for the
// transform to return and gives its error. A transform that failed only
// because its output was closed by stop reports nil.
func (j *job) stop() error {
	j.out.CloseWithError(errOutputClosed)
	j.cancel()
	<-j.done
	if errors.Is(j.err, errOutputClosed) || errors.Is(j.err, io.ErrClosedPipe) || errors.Is(j.err, context.Canceled) {
		return nil
	}
	return j.err
}

// wait waits for the transform to return (its output fully read) and gives its error.
func (j *job) wait() error {
	<-j.done
	j.cancel()
	return j.err
}

var errOutputClosed = errors.New("transform output closed: the reply could not be delivered")

// peekSize is how much of the output is read before the reply's status is chosen.
const peekSize = 32 << 10

// peekInto reads the first chunk of the output into buf, so that a
// transform that fails before writing anything is answered with its error
// status. It returns io.EOF with the chunk when the output is complete.
func (j *job) peekInto(buf []byte) ([]byte, error) {
	n, err := io.ReadAtLeast(j.out, buf, 1)
	switch {
	case err == nil:
		return buf[:n], nil
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		return buf[:n], io.EOF
	}
	return nil, err
}

// startPeeked starts the transform of src and reads the first chunk of its
// output into buf (see peekInto). complete says the chunk is the whole
// output. A transform that fails before its first byte is stopped and its
// error returned, so the caller can answer with that error's status.
func (s *Server) startPeeked(ctx context.Context, req Request, src io.Reader, buf []byte) (j *job, first []byte, complete bool, err error) {
	j = s.start(ctx, req, src)
	first, perr := j.peekInto(buf)
	if perr != nil && perr != io.EOF {
		if err = j.stop(); err == nil {
			err = perr
		}
		return nil, nil, false, err
	}
	return j, first, perr == io.EOF, nil
}
