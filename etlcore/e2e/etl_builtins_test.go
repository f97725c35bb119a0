package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/faultcheck"
	"github.com/etlbench/etlbench/internal/testcluster"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// builtinPNG is a w x h PNG with a gradient (so the resize has something
// to interpolate).
func builtinPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) % 256), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// builtinWAV is a canonical PCM16 WAV of the given channels, rate and frames.
func builtinWAV(channels, rate, frames int) []byte {
	data := make([]byte, frames*channels*2)
	for i := 0; i < frames*channels; i++ {
		binary.LittleEndian.PutUint16(data[2*i:], uint16(int16((i*997)%30000-15000)))
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(36+len(data)))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(channels), uint32(rate),
		uint32(rate * channels * 2), uint16(channels * 2), uint16(16)} {
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

func xxhex(seed uint64, b []byte) string {
	h := xxhash.NewWithSeed(seed)
	_, _ = h.Write(b)
	return fmt.Sprintf("%016x", h.Sum64())
}

// builtinCase is one built-in transformer with the object, args and check
// of its inline GET.
type builtinCase struct {
	name  string // transformer name
	obj   string // source object
	args  string
	check func(in, out []byte) error
}

func builtinCases(t *testing.T) []builtinCase {
	return []builtinCase{
		{"echo", "data.bin", "", func(in, out []byte) error {
			if !bytes.Equal(in, out) {
				return fmt.Errorf("echo: %d bytes differ from the %d in", len(out), len(in))
			}
			return nil
		}},
		{"md5", "data.bin", "", func(in, out []byte) error {
			if string(out) != md5hex(in) {
				return fmt.Errorf("md5: %q, want %q", out, md5hex(in))
			}
			return nil
		}},
		{"hash-with-args", "data.bin", "987654321", func(in, out []byte) error {
			if want := xxhex(987654321, in); string(out) != want {
				return fmt.Errorf("hash-with-args: %q, want %q", out, want)
			}
			return nil
		}},
		{"compress", "data.bin", "algo=zstd,level=3", func(in, out []byte) error {
			d, err := zstd.NewReader(bytes.NewReader(out))
			if err != nil {
				return fmt.Errorf("compress: zstd: %v", err)
			}
			defer d.Close()
			got, err := io.ReadAll(d)
			if err != nil || !bytes.Equal(got, in) {
				return fmt.Errorf("compress: zstd decompressed %d bytes (%v), want the %d in", len(got), err, len(in))
			}
			return nil
		}},
		{"image-resize", "img.png", "32x24,q=80", func(in, out []byte) error {
			cfg, format, err := image.DecodeConfig(bytes.NewReader(out))
			if err != nil || format != "jpeg" {
				return fmt.Errorf("image-resize: output is not a JPEG: %q %v", format, err)
			}
			if cfg.Width != 32 || cfg.Height != 24 {
				return fmt.Errorf("image-resize: %dx%d, want 32x24", cfg.Width, cfg.Height)
			}
			if _, err := jpeg.Decode(bytes.NewReader(out)); err != nil {
				return fmt.Errorf("image-resize: decode: %v", err)
			}
			return nil
		}},
		{"audio", "snd.wav", "ac=1,ar=16000", func(in, out []byte) error {
			// 4410 stereo frames at 44100 Hz -> ceil(4410*16000/44100) = 1600 mono frames.
			const frames = 1600
			if len(out) != 44+frames*2 {
				return fmt.Errorf("audio: %d bytes, want %d", len(out), 44+frames*2)
			}
			le := binary.LittleEndian
			switch {
			case string(out[0:4]) != "RIFF" || string(out[8:16]) != "WAVEfmt " || string(out[36:40]) != "data":
				return fmt.Errorf("audio: not a canonical WAV header: %q", out[:44])
			case le.Uint16(out[20:]) != 1 || le.Uint16(out[22:]) != 1 || le.Uint32(out[24:]) != 16000 ||
				le.Uint32(out[28:]) != 32000 || le.Uint16(out[32:]) != 2 || le.Uint16(out[34:]) != 16:
				return fmt.Errorf("audio: fmt fields %v, want PCM mono 16000 Hz 16 bit", out[20:36])
			case le.Uint32(out[40:]) != frames*2 || le.Uint32(out[4:]) != 36+frames*2:
				return fmt.Errorf("audio: sizes riff=%d data=%d, want %d and %d", le.Uint32(out[4:]), le.Uint32(out[40:]), 36+frames*2, frames*2)
			}
			return nil
		}},
		{"fault", "data.bin", "delay=10ms", func(in, out []byte) error {
			if !bytes.Equal(in, out) {
				return fmt.Errorf("fault (delay only): %d bytes differ from the %d in", len(out), len(in))
			}
			return nil
		}},
	}
}

// waitNoTransformers waits (up to 10 s) until the cluster runs no
// transformer process.
func waitNoTransformers(t *testing.T, c *testcluster.Cluster) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := countTransformers(c)
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d transformer processes left after delete", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// etlRunningEverywhere checks that ETL name is Running on each of the 3
// targets, in both show and list.
func etlRunningEverywhere(t *testing.T, cl *api.Client, name string) {
	t.Helper()
	d, err := cl.ETLShow(context.Background(), name)
	if err != nil {
		t.Fatalf("show %s: %v", name, err)
	}
	if d.Info.Stage != api.StageRunning || len(d.Targets) != 3 {
		t.Fatalf("show %s: stage %s on %d targets, want Running on 3: %+v", name, d.Info.Stage, len(d.Targets), d)
	}
	for id, ti := range d.Targets {
		if ti.Stage != api.StageRunning {
			t.Fatalf("%s on target %s: %s (%s)", name, id, ti.Stage, ti.Reason)
		}
	}
}

// TestETLBuiltins: every built-in transformer over every communication
// mode: init, Running on every target, one verified inline GET, stop ->
// Aborted, start -> Running (verified again), delete, and no transformer
// process left.
func TestETLBuiltins(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 3})
	ctx := context.Background()
	cl := c.Client
	if err := cl.CreateBucket(ctx, "src"); err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{
		"data.bin": content(7, 5000),
		"img.png":  builtinPNG(t, 80, 60),
		"snd.wav":  builtinWAV(2, 44100, 4410),
	}
	for name, b := range inputs {
		if err := cl.PutObject(ctx, "src", name, bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
	}
	cases := builtinCases(t)
	for _, comm := range []string{"hpush", "hpull", "ws"} {
		var names []string
		for _, bc := range cases {
			name := bc.name + "-" + comm
			if _, err := cl.ETLInit(ctx, specYAML(name, comm+"://", "etlbench/transformer-"+bc.name, "")); err != nil {
				t.Fatalf("init %s: %v", name, err)
			}
			names = append(names, name)
		}
		list, err := cl.ETLList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != len(cases) {
			t.Fatalf("%s: list has %d ETLs, want %d: %+v", comm, len(list), len(cases), list)
		}
		for _, e := range list {
			if e.Stage != api.StageRunning {
				t.Fatalf("%s: list: %s is %s", comm, e.Name, e.Stage)
			}
		}
		for i, bc := range cases {
			etlRunningEverywhere(t, cl, names[i])
			out, err := cl.GetObjectBytes(ctx, "src", bc.obj, api.GetOpts{ETLName: names[i], ETLArgs: bc.args})
			if err != nil {
				t.Fatalf("%s: inline GET %s with args %q: %v", names[i], bc.obj, bc.args, err)
			}
			if err := bc.check(inputs[bc.obj], out); err != nil {
				t.Fatalf("%s over %s: %v", bc.name, comm, err)
			}
		}
		// stop -> Aborted on every target, no process left; start ->
		// Running again, and the transform still right.
		for _, name := range names {
			if err := cl.ETLStop(ctx, name); err != nil {
				t.Fatalf("stop %s: %v", name, err)
			}
			d, err := cl.ETLShow(ctx, name)
			if err != nil || d.Info.Stage != api.StageAborted || len(d.Targets) != 3 || !faultcheck.AllAborted(d) {
				t.Fatalf("%s after stop: %+v %v, want Aborted on 3 targets", name, d, err)
			}
		}
		waitNoTransformers(t, c)
		for i, bc := range cases {
			if err := cl.ETLStart(ctx, names[i]); err != nil {
				t.Fatalf("start %s: %v", names[i], err)
			}
			etlRunningEverywhere(t, cl, names[i])
			out, err := cl.GetObjectBytes(ctx, "src", bc.obj, api.GetOpts{ETLName: names[i], ETLArgs: bc.args})
			if err != nil {
				t.Fatalf("%s after restart: inline GET %s: %v", names[i], bc.obj, err)
			}
			if err := bc.check(inputs[bc.obj], out); err != nil {
				t.Fatalf("%s over %s after restart: %v", bc.name, comm, err)
			}
		}
		if n := countTransformers(c); n != 3*len(cases) {
			t.Fatalf("%s: %d transformer processes running, want %d", comm, n, 3*len(cases))
		}
		// fault failing on purpose: the transformer's status and message
		// reach the client.
		_, err = cl.GetObjectBytes(ctx, "src", "data.bin", api.GetOpts{ETLName: "fault-" + comm, ETLArgs: "fail=503"})
		if api.StatusOf(err) != http.StatusServiceUnavailable || !strings.Contains(err.Error(), "on purpose") {
			t.Fatalf("fault fail=503 over %s: %v, want 503 with the transformer's message", comm, err)
		}
		for _, name := range names {
			if err := cl.ETLDelete(ctx, name); err != nil {
				t.Fatalf("delete %s: %v", name, err)
			}
			if _, err := cl.ETLShow(ctx, name); !api.IsNotFound(err) {
				t.Fatalf("show %s after delete: %v, want 404", name, err)
			}
		}
		waitNoTransformers(t, c)
		if list, err := cl.ETLList(ctx); err != nil || len(list) != 0 {
			t.Fatalf("list after deleting all: %+v %v", list, err)
		}
	}
	// The objects are untouched.
	for name, b := range inputs {
		got, err := cl.GetObjectBytes(ctx, "src", name, api.GetOpts{})
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%s after the ETLs: %d bytes, %v", name, len(got), err)
		}
	}
}

// gzip6 is compress's default output: gzip at level 6.
func gzip6(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, 6)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
