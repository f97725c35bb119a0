package faultcheck

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/etlbench/etlbench/etlcore/api"
)

// Object is the content of fault-test object i: a line naming i, repeated
// up to about 2 KiB, so that every object differs in bytes and length.
func Object(i int) []byte {
	head := fmt.Sprintf("object %05d|", i)
	return bytes.Repeat([]byte(head), 1+i%(2048/len(head)))
}

// PutObjects creates bucket bck and PUTs name(i) = Object(i), i < n, with
// 16 writers.
func PutObjects(ctx context.Context, cl *api.Client, bck string, n int, name func(int) string) error {
	return putEach(ctx, cl, bck, n, name, Object)
}

// PutAll creates bucket bck and PUTs every object of objs (name -> content)
// with 16 writers; the first failure is the error.
func PutAll(ctx context.Context, cl *api.Client, bck string, objs map[string][]byte) error {
	names := slices.Sorted(maps.Keys(objs))
	return putEach(ctx, cl, bck, len(names), func(i int) string { return names[i] },
		func(i int) []byte { return objs[names[i]] })
}

// putEach creates bucket bck and PUTs name(i) = body(i), i < n, with 16
// writers.
func putEach(ctx context.Context, cl *api.Client, bck string, n int, name func(int) string, body func(int) []byte) error {
	if err := cl.CreateBucket(ctx, bck); err != nil {
		return fmt.Errorf("create bucket %s: %w", bck, err)
	}
	return ForEach(n, 16, func(i int) error {
		b := body(i)
		if err := cl.PutObject(ctx, bck, name(i), bytes.NewReader(b), int64(len(b))); err != nil {
			return fmt.Errorf("put %s/%s: %w", bck, name(i), err)
		}
		return nil
	})
}

// VerifyObjects GETs name(i), i < n, from bck with 16 readers and
// compares each with Object(i); the first difference is the error.
func VerifyObjects(ctx context.Context, cl *api.Client, bck string, n int, name func(int) string) error {
	return ForEach(n, 16, func(i int) error {
		got, err := cl.GetObjectBytes(ctx, bck, name(i), api.GetOpts{})
		if err != nil {
			return err
		}
		if want := Object(i); !bytes.Equal(got, want) {
			return fmt.Errorf("%s/%s: %d bytes, want %d (Object(%d))", bck, name(i), len(got), len(want), i)
		}
		return nil
	})
}
