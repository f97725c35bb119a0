package transformers

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/transformer"
)

// runFault runs a fresh fault transformer (its own object counter) on
// count objects, returning the error of each.
func runFault(t *testing.T, f *fault, args string, count int) []error {
	t.Helper()
	errs := make([]error, count)
	for i := range errs {
		var out bytes.Buffer
		in := []byte("object payload")
		errs[i] = f.transform(context.Background(), transformer.Request{Path: "/b/o", Args: args}, bytes.NewReader(in), &out)
		if errs[i] == nil && !bytes.Equal(out.Bytes(), in) {
			t.Fatalf("object %d: not echoed: %q", i+1, out.Bytes())
		}
	}
	return errs
}

func TestFaultFailEvery(t *testing.T) {
	f := &fault{exit: func(int) { t.Fatal("exit called") }}
	errs := runFault(t, f, "fail=500,every=10", 35)
	for i, err := range errs {
		n := i + 1
		if n%10 != 0 {
			if err != nil {
				t.Errorf("object %d failed: %v", n, err)
			}
			continue
		}
		wantStatusErr(t, err, 500, "fault: object", "status 500")
	}
	// Without every, every object fails, with the status asked for.
	for _, err := range runFault(t, &fault{}, "fail=503", 3) {
		wantStatusErr(t, err, 503)
	}
	// No args: echo.
	for _, err := range runFault(t, &fault{}, "", 3) {
		if err != nil {
			t.Errorf("no args: %v", err)
		}
	}
}

func TestFaultSleep(t *testing.T) {
	f := &fault{}
	start := time.Now()
	if errs := runFault(t, f, "delay=30ms", 2); errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	if el := time.Since(start); el < 60*time.Millisecond {
		t.Errorf("2 objects with delay=30ms took %v", el)
	}
	// sleep honours ctx: cancelled after 50ms, a 3s sleep returns at once.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start = time.Now()
	var out bytes.Buffer
	err := f.transform(ctx, transformer.Request{Args: "sleep=3s"}, strings.NewReader("x"), &out)
	if el := time.Since(start); el > time.Second {
		t.Errorf("sleep=3s with a 50ms ctx returned after %v", el)
	}
	if !errors.Is(err, context.DeadlineExceeded) || out.Len() != 0 {
		t.Errorf("err %v, output %q; want the ctx error and no output", err, out.Bytes())
	}
}

func TestFaultGarbage(t *testing.T) {
	in := make([]byte, 600<<10)
	rand.NewChaCha8([32]byte{3}).Read(in)
	var a, b bytes.Buffer
	f := &fault{}
	for _, out := range []*bytes.Buffer{&a, &b} {
		if err := f.transform(context.Background(), transformer.Request{Args: "garbage"}, bytes.NewReader(in), out); err != nil {
			t.Fatal(err)
		}
		if out.Len() != len(in) || bytes.Equal(out.Bytes(), in) {
			t.Fatalf("garbage: %d bytes (input %d), equal to input: %v", out.Len(), len(in), bytes.Equal(out.Bytes(), in))
		}
	}
	if bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two garbage outputs are identical")
	}
}

func TestFaultClose(t *testing.T) {
	for _, size := range []int{0, 1, 1001, spoolMemMax + 12345} { // the last spills to a temp file
		in := make([]byte, size)
		rand.NewChaCha8([32]byte{4}).Read(in)
		var out bytes.Buffer
		err := (&fault{}).transform(context.Background(), transformer.Request{Args: "close"}, bytes.NewReader(in), &out)
		if !errors.Is(err, ErrFaultClose) {
			t.Fatalf("size %d: error %v, want ErrFaultClose", size, err)
		}
		if !bytes.Equal(out.Bytes(), in[:size/2]) {
			t.Errorf("size %d: wrote %d bytes, want the first %d of the input", size, out.Len(), size/2)
		}
	}
}

func TestFaultBadArgs(t *testing.T) {
	for _, c := range []struct{ args, want string }{
		{"fail=abc", `"fail": "abc" is not an integer`},
		{"fail=200", `"fail": 200 is out of range 400..599`},
		{"sleep=3", `"sleep": "3" is not a duration`},
		{"delay=-1s", `"delay": -1s is negative`},
		{"every=0,fail=500", `"every": 0 is out of range`},
		{"every=10", `"every": needs one of fail, exit, garbage, close`},
		{"exit=200", `"exit": 200 is out of range 0..125`},
		{"garbage=1", `"garbage": is a flag`},
		{"crash", `"crash": unknown arg`},
	} {
		errs := runFault(t, &fault{exit: func(int) { t.Fatal("exit called") }}, c.args, 1)
		wantStatusErr(t, errs[0], 400, "fault: bad arg "+c.want)
	}
}

const envFaultChild = "ETLBENCH_TEST_FAULT_EXIT"

// TestFaultExit runs the real exit in a child process (this test binary).
func TestFaultExit(t *testing.T) {
	if os.Getenv(envFaultChild) != "" {
		var out bytes.Buffer
		for range 5 {
			_ = defaultFault.transform(context.Background(), transformer.Request{Args: os.Getenv(envFaultChild)}, strings.NewReader("x"), &out)
		}
		os.Exit(0) // not reached if exit worked
	}
	for _, c := range []struct {
		args string
		code int
	}{{"exit=3", 3}, {"exit=7,every=4", 7}, {"exit=9,every=6", 0}} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestFaultExit$")
		cmd.Env = append(os.Environ(), envFaultChild+"="+c.args)
		err := cmd.Run()
		cancel()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != c.code {
			t.Errorf("%s over 5 objects: exit status %d, want %d", c.args, code, c.code)
		}
	}
}
