package loadgen

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
)

func TestVerifyFunc(t *testing.T) {
	in := []byte("hello, etl")
	md5f, ok := VerifyFunc("md5", "")
	sum := md5.Sum(in)
	if !ok || string(md5f(in)) != hex.EncodeToString(sum[:]) {
		t.Errorf("md5: %q", md5f(in))
	}
	h := xxhash.NewWithSeed(12345)
	h.Write(in)
	hw, ok := VerifyFunc("hash-with-args", "12345")
	if want := fmt.Sprintf("%016x", h.Sum64()); !ok || string(hw(in)) != want || len(want) != 16 {
		t.Errorf("hash-with-args: %q, want %q", hw(in), want)
	}
	if bad, ok := VerifyFunc("hash-with-args", "not-a-seed"); !ok || bad(in) != nil {
		t.Error("hash-with-args with a bad seed: want nil output")
	}
	echo, ok := VerifyFunc("echo", "")
	if !ok || string(echo(in)) != string(in) {
		t.Error("echo")
	}
	if _, ok := VerifyFunc("my-own-transformer", ""); ok {
		t.Error("an unknown transformer cannot be verified")
	}
}

func TestVerifyInlineAndCopy(t *testing.T) {
	f := newFakeCluster(t)
	f.addObjects("src", 30, 3000)
	f.etls["my-md5-etl"] = "md5"
	for _, op := range []string{OpETLGet, OpETLCopy} {
		cfg := baseConfig(f)
		// One epoch: every object once, however slow the machine.
		cfg.Op, cfg.ETLName, cfg.Verify, cfg.Epochs, cfg.Workers = op, "my-md5-etl", true, 1, 3
		res, err := Run(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		s := res.Summary[op]
		if s.Ops == 0 || s.Errors != 0 {
			t.Fatalf("%s: %+v %v", op, s, res.Notes)
		}
		if s.BytesIn != s.Ops*3000 {
			t.Errorf("%s: bytes in %d, want the sources' %d", op, s.BytesIn, s.Ops*3000)
		}
		if op == OpETLGet && s.BytesOut != s.Ops*32 {
			t.Errorf("etl-get: bytes out %d, want %d (32 hex digits each)", s.BytesOut, s.Ops*32)
		}
	}
	if f.count("src-out") != 30 {
		t.Errorf("etl-copy wrote %d objects", f.count("src-out"))
	}
	if _, ok := f.etls["my-md5-etl"]; !ok {
		t.Error("the loader deleted an ETL it did not start")
	}
	// Wrong output is found and classified.
	f.wrongOutput = true
	cfg := baseConfig(f)
	cfg.Op, cfg.ETLName, cfg.Verify, cfg.Duration, cfg.Workers = OpETLGet, "my-md5-etl", true, 300*time.Millisecond, 2
	res, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary[OpETLGet]
	if s.Ops != 0 || s.Errors == 0 || s.ErrorsByClass[ClassWrongOutput] != s.Errors {
		t.Errorf("wrong output not caught: %+v", s)
	}
}

func TestVerifyHash(t *testing.T) {
	f := newFakeCluster(t)
	f.addObjects("src", 10, 1000)
	f.wrongChecksum = true
	cfg := baseConfig(f)
	cfg.VerifyHash, cfg.Duration, cfg.Workers = true, 300*time.Millisecond, 2
	res, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary[OpGet]
	if s.Errors == 0 || s.ErrorsByClass[ClassChecksum] != s.Errors || s.Ops != 0 {
		t.Errorf("checksum mismatches not caught: %+v", s)
	}
}

// --etl with a built-in transformer name: the loader builds the spec,
// inits the ETL and deletes it at the end.
func TestBuiltinETLLifecycle(t *testing.T) {
	f := newFakeCluster(t)
	f.addObjects("src", 10, 100)
	cfg := baseConfig(f)
	cfg.Op, cfg.ETLName, cfg.ETLArgs, cfg.Comm, cfg.Verify = OpETLGet, "hash-with-args", "99", "ws", true
	cfg.Duration, cfg.Workers = 300*time.Millisecond, 2
	res, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Summary[OpETLGet]; s.Ops == 0 || s.Errors != 0 {
		t.Fatalf("%+v %v", s, res.Notes)
	}
	if res.Config["etl-name"] != "lg-hash-with-args-ws" || len(res.ETLSpec) == 0 || res.SpecHash == "" {
		t.Errorf("result: etl %q spec %s", res.Config["etl-name"], res.ETLSpec)
	}
	if len(f.etls) != 0 {
		t.Errorf("ETLs left on the cluster: %v", f.etls)
	}
	// Unknown name: a clear error.
	cfg.ETLName = "no-such-thing"
	if _, err := Run(context.Background(), cfg, nil); err == nil {
		t.Error("unknown ETL accepted")
	} else {
		t.Log(err)
	}
}
