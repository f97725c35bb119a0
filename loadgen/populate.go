package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"

	"github.com/etlbench/etlbench/etlcore/api"
)

// PopulatePrefix is the name prefix of the objects Populate writes:
// object i is PopulateName(i) ("obj-00000042"), so a range template
// "obj-{00000000..0000NNNN}" names them all.
const PopulatePrefix = "obj-"

// PopulateName is the name Populate gives object i.
func PopulateName(i int) string { return fmt.Sprintf("%s%08d", PopulatePrefix, i) }

// PopulateTemplate is the range template of objects 0..n-1 of Populate.
func PopulateTemplate(n int) string {
	return fmt.Sprintf("%s{%08d..%08d}", PopulatePrefix, 0, max(n-1, 0))
}

// PopulateOptions are the settings of PopulateWith.
type PopulateOptions struct {
	// N objects, numbered Start .. Start+N-1.
	N, Start int
	// Sizes of random objects (when Content is nil).
	Sizes SizeDist
	// Content, when set, writes the bytes of object i (Sizes is then not
	// used); else objects are random bytes of a size from Sizes.
	Content func(i int, w io.Writer) error
	// Name of object i (default PopulateName).
	Name func(i int) string
	// Seed of sizes and random contents.
	Seed int64
	// Workers PUT concurrently (default 16).
	Workers int
	// SkipExisting: objects whose name is listed here are not written again.
	SkipExisting []api.ListEntry
}

// Populate PUTs n objects into bucket bck (created when missing), named
// PopulateName(0..n-1), concurrently. With content nil each object is
// random bytes of a size drawn from sizes; otherwise content(i, w) writes
// object i (streamed, any length) and sizes is not used.
func Populate(ctx context.Context, c *api.Client, bck string, n int, sizes SizeDist, content func(i int, w io.Writer) error) error {
	return PopulateWith(ctx, c, bck, PopulateOptions{N: n, Sizes: sizes, Content: content, Seed: 1})
}

// PopulateWith is Populate with every option.
func PopulateWith(ctx context.Context, c *api.Client, bck string, o PopulateOptions) error {
	if o.N < 0 {
		return fmt.Errorf("populate %s: negative object count %d", bck, o.N)
	}
	if o.Content == nil {
		if err := o.Sizes.Validate(); err != nil {
			return fmt.Errorf("populate %s: %w", bck, err)
		}
	}
	if o.Name == nil {
		o.Name = PopulateName
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	o.Workers = min(o.Workers, 64, max(o.N, 1))
	if _, err := ensureBucket(ctx, c, bck); err != nil {
		return fmt.Errorf("populate: %w", err)
	}
	skip := make(map[string]bool, len(o.SkipExisting))
	for _, e := range o.SkipExisting {
		skip[e.Name] = true
	}
	content := NewContent(o.Seed)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var once sync.Once
	var firstErr error
	parallelFor(ctx, o.Workers, int64(o.Start), int64(o.Start+o.N), func(i int64) {
		name := o.Name(int(i))
		if skip[name] {
			return
		}
		if err := putOne(ctx, c, bck, name, int(i), o, content); err != nil {
			once.Do(func() { firstErr = err; cancel() })
		}
	})
	if firstErr != nil {
		return fmt.Errorf("populate %s: %w", bck, firstErr)
	}
	if err := ctx.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("populate %s: %w", bck, err)
	}
	return nil
}

// putOne writes object i: random bytes, or what o.Content writes (streamed
// through a pipe, so any size goes in bounded memory).
func putOne(ctx context.Context, c *api.Client, bck, name string, i int, o PopulateOptions, content *Content) error {
	if o.Content == nil {
		rng := rand.New(rand.NewPCG(uint64(o.Seed), uint64(i)))
		size := o.Sizes.Pick(rng)
		open := func() io.Reader { return content.Reader(uint64(i)|1<<62, size) }
		return c.PutObjectFunc(ctx, bck, name, size, open)
	}
	pr, pw := io.Pipe()
	go func() {
		err := o.Content(i, pw)
		pw.CloseWithError(err)
	}()
	err := c.PutObject(ctx, bck, name, pr, -1)
	pr.CloseWithError(fmt.Errorf("put %s done", name)) // unblocks the writer if the PUT ended early
	if err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	return nil
}
