package transformers

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/etlbench/etlbench/etlcore/transformer"
)

// envSeedDefault is the environment variable with the seed used when
// etl_args is empty (the name AIStore's hash-with-args example reads).
const envSeedDefault = "SEED_DEFAULT"

// hashWithArgs writes the xxhash64 of its input, seeded by etl_args, as 16
// lowercase hex digits: the output of AIStore's hash-with-args example
// (Python xxhash's hexdigest). Unlike that example, a seed that is not a
// decimal uint64 is an error rather than silently the default.
func hashWithArgs(ctx context.Context, req transformer.Request, r io.Reader, w io.Writer) error {
	seed, err := parseSeed(req.Args)
	if err != nil {
		return err
	}
	h := xxhash.NewWithSeed(seed)
	if _, err := copyCtx(ctx, h, r); err != nil {
		return fmt.Errorf("hash-with-args: read input: %w", err)
	}
	if _, err := fmt.Fprintf(w, "%016x", h.Sum64()); err != nil {
		return fmt.Errorf("hash-with-args: write: %w", err)
	}
	return nil
}

// parseSeed returns the seed in args: a decimal uint64; empty means
// $SEED_DEFAULT, else 0.
func parseSeed(args string) (uint64, error) {
	s, what := strings.TrimSpace(args), "seed"
	if s == "" {
		s, what = strings.TrimSpace(os.Getenv(envSeedDefault)), "$"+envSeedDefault
		if s == "" {
			return 0, nil
		}
	}
	seed, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, argError("hash-with-args", what, "%q is not a decimal uint64", s)
	}
	return seed, nil
}
