package transformers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync/atomic"
	"time"

	"github.com/etlbench/etlbench/etlcore/transformer"
	"github.com/etlbench/etlbench/internal/ctxio"
)

// faultArgs are the keys of fault's etl_args.
var faultArgs = map[string]bool{
	"sleep": true, "delay": true, "fail": true, "every": true, "exit": true,
	"garbage": false, "close": false,
}

// ErrFaultClose is the error (wrapped) with which fault's "close" ends an
// object after writing half of it: the server should drop the connection.
var ErrFaultClose = errors.New("fault: closed mid-response")

// fault is the fault-injecting transformer. Its object counter is per
// process, counting every object from 1.
type fault struct {
	objects atomic.Uint64
	exit    func(code int) // os.Exit
}

var defaultFault = &fault{exit: os.Exit}

// transform echoes the input, with the faults that etl_args asks for:
//
//	sleep=D, delay=D  wait D before answering (both add up; ctx cancels it)
//	fail=STATUS       fail the object with a *StatusError of that status (400..599)
//	every=K           apply fail/exit/garbage/close only to objects K, 2K, 3K ...
//	exit=CODE         end the process with that exit status (0..125)
//	garbage           write random bytes (as many as the input) instead
//	close             write the first half of the input, then fail (ErrFaultClose)
func (f *fault) transform(ctx context.Context, req transformer.Request, r io.Reader, w io.Writer) error {
	n := f.objects.Add(1)
	a, err := parseArgs("fault", req.Args, faultArgs)
	if err != nil {
		return err
	}
	sleep, err := a.duration("sleep")
	if err != nil {
		return err
	}
	delay, err := a.duration("delay")
	if err != nil {
		return err
	}
	status, err := a.intIn("fail", 0, 400, 599)
	if err != nil {
		return err
	}
	every, err := a.intIn("every", 1, 1, 1<<30)
	if err != nil {
		return err
	}
	exitCode, err := a.intIn("exit", 0, 0, 125)
	if err != nil {
		return err
	}
	if a.has("every") && !a.has("fail") && !a.has("exit") && !a.has("garbage") && !a.has("close") {
		return argError("fault", "every", "needs one of fail, exit, garbage, close to select objects for")
	}
	if d := sleep + delay; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("fault: sleeping %s: %w", d, ctx.Err())
		}
	}
	if n%uint64(every) != 0 {
		return echo(ctx, req, r, w)
	}
	switch {
	case a.has("exit"):
		f.exit(exitCode)
		return fmt.Errorf("fault: exit %d did not end the process", exitCode)
	case a.has("fail"):
		return &StatusError{Status: status, Msg: fmt.Sprintf("fault: object %d (%s) failed on purpose with status %d", n, req.Path, status)}
	case a.has("close"):
		return writeHalf(ctx, r, w)
	case a.has("garbage"):
		return writeGarbage(ctx, r, w)
	}
	return echo(ctx, req, r, w)
}

// writeHalf writes the first half of the input and returns ErrFaultClose.
// The input is spooled (memory, then a temp file) to learn its length.
func writeHalf(ctx context.Context, r io.Reader, w io.Writer) error {
	sp := newSpool()
	defer sp.Close()
	size, err := copyCtx(ctx, sp, r)
	if err != nil {
		return fmt.Errorf("fault: close: read input: %w", err)
	}
	rd, err := sp.reader()
	if err != nil {
		return fmt.Errorf("fault: close: %w", err)
	}
	if _, err := copyCtx(ctx, w, io.LimitReader(rd, size/2)); err != nil {
		return fmt.Errorf("fault: close: write: %w", err)
	}
	return fmt.Errorf("%w after %d of %d bytes", ErrFaultClose, size/2, size)
}

// writeGarbage writes as many random bytes as the input has.
func writeGarbage(ctx context.Context, r io.Reader, w io.Writer) error {
	var seed [32]byte
	for i := range seed {
		seed[i] = byte(rand.Uint32())
	}
	rng := rand.NewChaCha8(seed)
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	cr := ctxio.Reader(ctx, r)
	for {
		n, err := cr.Read(buf)
		if n > 0 {
			_, _ = rng.Read(buf[:n])
			if _, werr := w.Write(buf[:n]); werr != nil {
				return fmt.Errorf("fault: garbage: write: %w", werr)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("fault: garbage: read input: %w", err)
		}
	}
}
