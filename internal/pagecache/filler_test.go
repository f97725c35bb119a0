package pagecache

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// diskDir is a directory for the sparse file on a disk: the test's
// working directory (the package's), since t.TempDir may be on tmpfs.
func diskDir(t *testing.T) string {
	d, err := os.MkdirTemp(".", "filltest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// resident counts the bytes of [0, n) of f that are in the page cache.
func resident(t *testing.T, f *os.File, n int) int {
	b, err := unix.Mmap(int(f.Fd()), 0, n, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(b)
	pg := os.Getpagesize()
	vec := make([]byte, (n+pg-1)/pg)
	if _, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(n), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Fatal(e)
	}
	in := 0
	for _, v := range vec {
		if v&1 != 0 {
			in += pg
		}
	}
	return in
}

// TestFillCachesTheSparseFile: Fill reads until free memory is down by
// what was asked, the pages it read stay in the page cache, and the file
// is gone from the directory from the start.
func TestFillCachesTheSparseFile(t *testing.T) {
	dir := diskDir(t)
	fl, err := NewFiller(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("the sparse file is visible in %s: %v", dir, ents)
	}
	z, err := ReadZones()
	if err != nil {
		t.Fatal(err)
	}
	const want = 128 << 20
	if z.Free < z.High+want+256<<20 {
		t.Skipf("only %d MiB free", z.Free>>20)
	}
	st, err := fl.Fill(context.Background(), z.Free-want, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", st)
	if !st.Reached || st.FreeAfter > st.Target {
		t.Fatalf("fill did not reach its target: %+v", st)
	}
	if st.Read < want/2 || st.Read%chunk != 0 || st.Seconds <= 0 {
		t.Errorf("read %d bytes for %d MiB less free memory, want whole chunks, at least half of it, and the time it took (%+v)", st.Read, want>>20, st)
	}
	if in := resident(t, fl.f, int(st.Read)); in < int(st.Read)*9/10 {
		t.Errorf("%d of the %d bytes read are in the page cache, want nearly all", in, st.Read)
	}
	var sfs unix.Stat_t
	if err := unix.Fstat(int(fl.f.Fd()), &sfs); err != nil {
		t.Fatal(err)
	}
	if sfs.Blocks != 0 {
		t.Errorf("the filler takes %d blocks on disk, want none", sfs.Blocks)
	}
}

// TestFillStops: a cancelled context and a time limit end a fill that
// has not reached its target, and say why.
func TestFillStops(t *testing.T) {
	fl, err := NewFiller(diskDir(t))
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("test over"))
	st, err := fl.Fill(ctx, 0, 0)
	if err != nil || st.Reached || st.Read != 0 || st.Reason != "test over" {
		t.Errorf("cancelled fill: %+v, %v; want nothing read and the cause", st, err)
	}
	st, err = fl.Fill(context.Background(), 0, time.Nanosecond)
	if err != nil || st.Reached || st.Reason == "" || st.Read > 2*chunk {
		t.Errorf("fill with a 1ns limit: %+v, %v; want it stopped at once with a reason", st, err)
	}
}

// TestNewFillerRefusesTmpfs: on tmpfs the holes are not cached, so the
// filler says so instead of reading for nothing.
func TestNewFillerRefusesTmpfs(t *testing.T) {
	var sfs unix.Statfs_t
	if err := unix.Statfs("/dev/shm", &sfs); err != nil || sfs.Type != unix.TMPFS_MAGIC {
		t.Skip("no tmpfs at /dev/shm")
	}
	if _, err := NewFiller("/dev/shm"); err == nil {
		t.Fatal("NewFiller on tmpfs: no error")
	}
}
