// Package doccheck finds the shell examples in the project's Markdown that
// are marked to be run, so that a test can run them as a user would.
package doccheck

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Marker is the HTML comment that, on the line right before a ```sh fence,
// marks the block as runnable: a test runs it as written.
const Marker = "<!-- runnable -->"

// Block is one runnable shell block of a Markdown file.
type Block struct {
	Line   int    // line of the opening fence, 1-based
	Script string // the block's lines, without the fences
}

// Blocks returns the runnable blocks of a Markdown document, in order. An
// unterminated runnable block is an error naming its line.
func Blocks(r io.Reader) ([]Block, error) {
	var (
		out    []Block
		cur    *Block
		marked bool
		buf    strings.Builder
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur != nil && trimmed == "```":
			cur.Script = buf.String()
			out = append(out, *cur)
			cur = nil
			buf.Reset()
		case cur != nil:
			buf.WriteString(line)
			buf.WriteByte('\n')
		case marked && (trimmed == "```sh" || trimmed == "```bash"):
			cur = &Block{Line: n}
		}
		marked = trimmed == Marker
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read markdown: %w", err)
	}
	if cur != nil {
		return nil, fmt.Errorf("runnable block at line %d has no closing fence", cur.Line)
	}
	return out, nil
}
