// Package faultcheck holds the fault scenarios that the embedded and the
// Kubernetes end-to-end tests both run against a live cluster, with the
// outcome each must show.
package faultcheck

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

// DiskFullObjSize is the size of the objects DiskFull writes: a 2 MiB
// mountpath holds 6.
const DiskFullObjSize = 300 << 10

// DiskFull fills the only mountpath (2 MiB) of the cluster behind cl with
// objects of DiskFullObjSize in bucket "full" and checks that: a PUT
// beyond capacity fails with 507 saying "insufficient storage: ... no
// space left on device"; the bucket lists exactly the stored objects, each
// complete, also after more (larger) PUTs failed; once an object is
// deleted, PUTs work again. full, when not nil, is called while the disk
// is full with the number of objects stored (e.g. to look at the
// mountpath).
func DiskFull(ctx context.Context, t testing.TB, cl *api.Client, full func(stored int)) {
	t.Helper()
	if err := cl.CreateBucket(ctx, "full"); err != nil {
		t.Fatal(err)
	}
	obj := func(i int) []byte { return bytes.Repeat([]byte{byte('a' + i%26)}, DiskFullObjSize) }
	name := func(i int) string { return fmt.Sprintf("o%02d", i) }
	var stored []int
	var fullErr error
	for i := 0; i < 20; i++ {
		b := obj(i)
		if fullErr = cl.PutObject(ctx, "full", name(i), bytes.NewReader(b), int64(len(b))); fullErr != nil {
			break
		}
		stored = append(stored, i)
	}
	if fullErr == nil {
		t.Fatalf("20 PUTs of %d KiB fit in a 2 MiB mountpath", DiskFullObjSize>>10)
	}
	t.Logf("after %d objects: %v", len(stored), fullErr)
	if api.StatusOf(fullErr) != http.StatusInsufficientStorage || !strings.Contains(fullErr.Error(), "insufficient storage") ||
		!strings.Contains(fullErr.Error(), "no space left on device") {
		t.Fatalf("PUT beyond capacity: %v; want 507 saying insufficient storage: no space left on device", fullErr)
	}
	if len(stored) < 3 || len(stored) > 6 {
		t.Fatalf("%d objects of %d KiB fit in 2 MiB", len(stored), DiskFullObjSize>>10)
	}
	// Nothing half-written is visible: the list holds exactly the stored
	// objects, each complete, and reads keep working.
	check := func() {
		t.Helper()
		ents, err := cl.ListAll(ctx, "full", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) != len(stored) {
			t.Fatalf("list shows %d objects, %d were stored: %+v", len(ents), len(stored), ents)
		}
		for _, i := range stored {
			got, err := cl.GetObjectBytes(ctx, "full", name(i), api.GetOpts{})
			if err != nil || !bytes.Equal(got, obj(i)) {
				t.Fatalf("read %s on a full disk: %d bytes, %v", name(i), len(got), err)
			}
		}
	}
	check()
	for i, sz := range []int{DiskFullObjSize, 1 << 20, 2 << 20} {
		b := bytes.Repeat([]byte{'z'}, sz)
		err := cl.PutObject(ctx, "full", fmt.Sprintf("big%d", i), bytes.NewReader(b), int64(len(b)))
		if api.StatusOf(err) != http.StatusInsufficientStorage {
			t.Fatalf("PUT of %d bytes on a full disk: %v; want 507", sz, err)
		}
	}
	check()
	if full != nil {
		full(len(stored))
	}
	// Freeing space makes PUTs work again.
	if err := cl.DeleteObject(ctx, "full", name(stored[0])); err != nil {
		t.Fatal(err)
	}
	b := obj(99)
	if err := cl.PutObject(ctx, "full", "after", bytes.NewReader(b), int64(len(b))); err != nil {
		t.Fatalf("PUT after freeing space: %v", err)
	}
	if got, err := cl.GetObjectBytes(ctx, "full", "after", api.GetOpts{}); err != nil || !bytes.Equal(got, b) {
		t.Fatalf("read back after freeing space: %v", err)
	}
}
