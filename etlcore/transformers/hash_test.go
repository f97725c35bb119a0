package transformers

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestEcho(t *testing.T) {
	in := make([]byte, 1<<20+17)
	rand.NewChaCha8([32]byte{1}).Read(in)
	for _, input := range [][]byte{nil, []byte("x"), in} {
		if out := mustRun(t, "echo", "ignored", input); !bytes.Equal(out, input) {
			t.Errorf("echo of %d bytes gave %d different bytes", len(input), len(out))
		}
	}
}

func TestMD5(t *testing.T) {
	big := make([]byte, 3<<20+5)
	rand.NewChaCha8([32]byte{2}).Read(big)
	sum := md5.Sum(big)
	cases := []struct {
		in   []byte
		want string
	}{
		{nil, "d41d8cd98f00b204e9800998ecf8427e"},                      // RFC 1321
		{[]byte("abc"), "900150983cd24fb0d6963f7d28e17f72"},            // RFC 1321
		{[]byte("message digest"), "f96b697d7cb7938d525a2f31aaf161d0"}, // RFC 1321
		{big, hex.EncodeToString(sum[:])},
	}
	for _, c := range cases {
		if got := string(mustRun(t, "md5", "", c.in)); got != c.want {
			t.Errorf("md5 of %d bytes = %q, want %q", len(c.in), got, c.want)
		}
	}
}

func TestHashWithArgs(t *testing.T) {
	// Vectors of the xxHash reference (xxhsum's sanity table and others).
	cases := []struct {
		in, args, want string
	}{
		{"", "", "ef46db3751d8e999"},
		{"", "0", "ef46db3751d8e999"},
		{"", "2654435761", "ac75fda2929b17ef"},
		{"abc", "", "44bc2cf5ad770999"},
		{"abc", " 2654435761 ", "1318df30094a85fd"},
	}
	for _, c := range cases {
		if got := string(mustRun(t, "hash-with-args", c.args, []byte(c.in))); got != c.want {
			t.Errorf("hash-with-args(%q, seed %q) = %q, want %q", c.in, c.args, got, c.want)
		}
	}
	// The digest is always 16 hex digits, zero-padded, and the seed matters.
	seen := map[string]bool{}
	for seed := range 64 {
		got := string(mustRun(t, "hash-with-args", fmt.Sprint(seed), []byte("etlbench")))
		if len(got) != 16 || seen[got] {
			t.Errorf("seed %d: digest %q (len %d, seen before %v)", seed, got, len(got), seen[got])
		}
		seen[got] = true
	}
	t.Run("SEED_DEFAULT", func(t *testing.T) {
		t.Setenv(envSeedDefault, "2654435761")
		if got := string(mustRun(t, "hash-with-args", "", nil)); got != "ac75fda2929b17ef" {
			t.Errorf("with $SEED_DEFAULT: %q", got)
		}
		if got := string(mustRun(t, "hash-with-args", "0", nil)); got != "ef46db3751d8e999" {
			t.Errorf("args override $SEED_DEFAULT: %q", got)
		}
		t.Setenv(envSeedDefault, "x")
		_, err := runT(t, "hash-with-args", "", nil)
		wantStatusErr(t, err, 400, "$SEED_DEFAULT", `"x"`)
	})
	for _, bad := range []string{"-1", "abc", "18446744073709551616", "1.5", "seed=3"} {
		_, err := runT(t, "hash-with-args", bad, []byte("abc"))
		wantStatusErr(t, err, 400, "hash-with-args", "decimal uint64")
	}
}
