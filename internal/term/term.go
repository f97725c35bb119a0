// Package term tells whether output goes to a terminal that live progress
// bars can draw on.
package term

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"golang.org/x/sys/unix"
)

// CanDraw reports whether w is a terminal with a known width: bars are
// drawn there, plain lines everywhere else (files, pipes, CI logs, and
// pseudo-terminals nobody sized, where bars would not render).
func CanDraw(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	if !isatty.IsTerminal(f.Fd()) && !isatty.IsCygwinTerminal(f.Fd()) {
		return false
	}
	return Width(f) > 0
}

// Width is the width of the terminal f in columns (0 when unknown).
func Width(f *os.File) int {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}
