// Package transformers holds etlbench's built-in transformers: streaming
// transforms (echo, md5, hash-with-args, compress, image-resize, audio,
// fault) that `etlbench transformer NAME` serves through the transformer
// SDK, and that the loader can run in-process to verify results.
//
// Every transform takes its parameters from etl_args as a comma-separated
// key=value list; a bad list is a *StatusError with status 400 naming the
// arg, an input a transform cannot read is a *StatusError with status 422.
package transformers

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/etlbench/etlbench/etlcore/transformer"
)

// builtin is one registered transformer.
type builtin struct {
	fn    transformer.Transform
	desc  string            // one line: what it does, then its args syntax
	sized transformer.Sized // the fast form of fn, if it has one
}

// registry maps each built-in transformer's name to it.
var registry = map[string]builtin{
	"echo":           {echo, "output = input; args: none", echoSized},
	"md5":            {md5Hex, "output = lowercase hex MD5 of the input (32 chars, no newline); args: none", md5Sized},
	"hash-with-args": {hashWithArgs, "output = xxhash64 of the input as 16 lowercase hex digits; args: SEED (decimal uint64; empty = $SEED_DEFAULT or 0)", nil},
	"compress":       {compress, "output = the input compressed; args: algo=gzip|zstd (gzip), level=N (gzip 0..9, default 6; zstd 1..22, default 3)", nil},
	"image-resize":   {imageResize, "JPEG or PNG in, resized JPEG out; args: WxH[,q=1..100][,filter=bilinear|catmullrom|approx|nearest] (q 90, bilinear; W or H 0 keeps the aspect ratio)", nil},
	"audio":          {audio, "WAV (PCM 8/16/24/32-bit or float) in, PCM16 WAV out, re-mixed and resampled; args: ac=CHANNELS (1..16),ar=RATE (Hz, 1..1000000) (default $AC/$AR, else as input)", nil},
	"fault":          {defaultFault.transform, "echo with injected faults, for tests; args: sleep=D,delay=D (wait first; D like 20ms), fail=STATUS (400..599), every=K (fail/exit/garbage/close only objects K, 2K, ...), exit=CODE, garbage (random bytes out), close (half the input, then an error)", nil},
}

// Lookup returns the built-in transformer called name, or an error listing
// the known names.
func Lookup(name string) (transformer.Transform, error) {
	b, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("unknown transformer %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return b.fn, nil
}

// LookupSized returns the fast form (transformer.Sized) of the built-in
// transformer called name, nil when it has none.
func LookupSized(name string) transformer.Sized { return registry[name].sized }

// Names returns the names of the built-in transformers, sorted.
func Names() []string {
	names := slices.Sorted(maps.Keys(registry))
	return names
}

// Describe returns one line on transformer name: what it does and the
// syntax of its args; "" for an unknown name.
func Describe(name string) string { return registry[name].desc }

// WithDefaultArgs returns fn with args used for every request whose
// etl_args is empty (so that a spec can configure a transformer once, e.g.
// through `etlbench transformer --default-args`).
func WithDefaultArgs(fn transformer.Transform, args string) transformer.Transform {
	if args == "" {
		return fn
	}
	return func(ctx context.Context, req transformer.Request, r io.Reader, w io.Writer) error {
		if req.Args == "" {
			req.Args = args
		}
		return fn(ctx, req, r, w)
	}
}

// WithDefaultArgsSized is WithDefaultArgs for a transformer's fast form.
func WithDefaultArgsSized(fn transformer.Sized, args string) transformer.Sized {
	if args == "" || fn == nil {
		return fn
	}
	return func(ctx context.Context, req transformer.Request, src io.Reader, size int64) (io.Reader, int64, error) {
		if req.Args == "" {
			req.Args = args
		}
		return fn(ctx, req, src, size)
	}
}
