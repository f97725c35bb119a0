package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"image/jpeg"
	"io"
	"testing"
	"testing/iotest"
)

func readAll(t *testing.T, kind string, seed int64, i int, size int64) []byte {
	t.Helper()
	r, err := Generate(kind, seed, i, size)
	if err != nil {
		t.Fatalf("Generate(%s, %d): %v", kind, size, err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", kind, err)
	}
	if int64(len(b)) != r.Size() || r.Size() != ActualSize(kind, size) {
		t.Fatalf("%s of %d: read %d bytes, Size() %d, ActualSize %d", kind, size, len(b), r.Size(), ActualSize(kind, size))
	}
	return b
}

func TestDeterministicAndDistinct(t *testing.T) {
	for _, kind := range Kinds() {
		for _, size := range []int64{MinSize(kind), 4096, 70_001} {
			a := readAll(t, kind, 7, 3, size)
			b := readAll(t, kind, 7, 3, size)
			if !bytes.Equal(a, b) {
				t.Errorf("%s %d: same seed and index gave different bytes", kind, size)
			}
			c := readAll(t, kind, 7, 4, size)
			d := readAll(t, kind, 8, 3, size)
			if bytes.Equal(a, c) || bytes.Equal(a, d) {
				t.Errorf("%s %d: another index or seed gave the same bytes", kind, size)
			}
			// Tiny reads give the same stream.
			r, _ := Generate(kind, 7, 3, size)
			e, err := io.ReadAll(iotest.OneByteReader(r))
			if err != nil || !bytes.Equal(a, e) {
				t.Errorf("%s %d: one-byte reads differ (err %v)", kind, size, err)
			}
		}
	}
}

func TestTooSmallAndUnknown(t *testing.T) {
	if _, err := Generate(JPEG, 1, 0, 100); err == nil {
		t.Error("100-byte JPEG: want an error")
	}
	if _, err := Generate(WAV, 1, 0, 10); err == nil {
		t.Error("10-byte WAV: want an error")
	}
	if _, err := Generate("png", 1, 0, 4096); err == nil {
		t.Error("unknown kind: want an error")
	}
}

func TestJPEG(t *testing.T) {
	for _, size := range []int64{minJPEGSize, 4 << 10, 4<<10 + 1, 4<<10 + 3, 64 << 10, 1 << 20} {
		b := readAll(t, JPEG, 1, 0, size)
		if int64(len(b)) != size {
			t.Fatalf("jpeg: %d bytes, want %d", len(b), size)
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("jpeg of %d bytes does not decode: %v", size, err)
		}
		side := img.Bounds().Dx()
		if side < minJPEGSide || side > maxJPEGSide || img.Bounds().Dy() != side {
			t.Errorf("jpeg of %d bytes: %v", size, img.Bounds())
		}
		if size >= 64<<10 && side < 128 {
			t.Errorf("jpeg of %d bytes is only %dpx: want a realistic image", size, side)
		}
	}
}

func TestWAV(t *testing.T) {
	b := readAll(t, WAV, 1, 0, 64<<10+3)
	if len(b) != 64<<10 {
		t.Fatalf("wav: %d bytes, want %d (whole frames)", len(b), 64<<10)
	}
	le := binary.LittleEndian
	if string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" || string(b[12:16]) != "fmt " || string(b[36:40]) != "data" {
		t.Fatalf("wav header: %q", b[:44])
	}
	if le.Uint32(b[4:]) != uint32(len(b)-8) || le.Uint32(b[40:]) != uint32(len(b)-44) {
		t.Errorf("wav sizes: riff %d data %d for %d bytes", le.Uint32(b[4:]), le.Uint32(b[40:]), len(b))
	}
	if le.Uint16(b[20:]) != 1 || le.Uint16(b[22:]) != WAVChannels || le.Uint32(b[24:]) != WAVSampleRate || le.Uint16(b[34:]) != 16 {
		t.Errorf("wav format fields: %v", b[20:36])
	}
	// A sine tone: samples swing both ways with a large amplitude.
	var lo, hi int16
	for i := 44; i+1 < len(b); i += 2 {
		v := int16(le.Uint16(b[i:]))
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo > -5000 || hi < 5000 {
		t.Errorf("wav samples range %d..%d: want a loud tone", lo, hi)
	}
}

func TestTextCompressesRandomDoesNot(t *testing.T) {
	ratio := func(b []byte) float64 {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return float64(buf.Len()) / float64(len(b))
	}
	txt := readAll(t, Text, 1, 0, 256<<10)
	for _, c := range txt {
		if c != '\n' && (c < ' ' || c > '~') {
			t.Fatalf("text has byte %#x", c)
		}
	}
	if r := ratio(txt); r > 0.45 {
		t.Errorf("text compresses to %.2f: want prose-like (< 0.45)", r)
	}
	if r := ratio(readAll(t, Random, 1, 0, 256<<10)); r < 0.99 {
		t.Errorf("random compresses to %.2f: want incompressible", r)
	}
}

func TestSpecSizes(t *testing.T) {
	fixed := Spec{Kind: Random, Objects: 6, Sizes: []int64{10, 20, 30}, Seed: 1}
	if err := fixed.Validate(); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int64{10, 20, 30, 10, 20, 30} {
		if got := fixed.Size(i); got != want {
			t.Errorf("fixed size %d = %d, want %d", i, got, want)
		}
	}
	if fixed.TotalSize() != 120 {
		t.Errorf("total %d, want 120", fixed.TotalSize())
	}
	uni := Spec{Kind: WAV, Objects: 1000, MinSize: 1000, MaxSize: 2000, Seed: 5}
	var lo, hi int64 = 1 << 62, 0
	for i := 0; i < uni.Objects; i++ {
		s := uni.Size(i)
		if s != uni.Size(i) {
			t.Fatal("uniform size not deterministic")
		}
		lo, hi = min(lo, s), max(hi, s)
		if a := uni.ActualSize(i); a > s || s-a >= 4 {
			t.Fatalf("wav actual size %d for %d", a, s)
		}
	}
	if lo < 1000 || hi > 2000 || lo > 1050 || hi < 1950 {
		t.Errorf("uniform sizes span %d..%d, want about 1000..2000", lo, hi)
	}
	if uni.Name(42) != "obj-0000042.wav" {
		t.Errorf("name %q", uni.Name(42))
	}
	for _, bad := range []Spec{
		{Kind: Random, Objects: 0, Sizes: []int64{1}},
		{Kind: Random, Objects: 1},
		{Kind: JPEG, Objects: 1, Sizes: []int64{100}},
		{Kind: "png", Objects: 1, Sizes: []int64{4096}},
		{Kind: Random, Objects: 1, MinSize: 10, MaxSize: 5},
	} {
		if bad.Validate() == nil {
			t.Errorf("%+v: want an error", bad)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	for _, kind := range Kinds() {
		b.Run(kind, func(b *testing.B) {
			b.SetBytes(1 << 20)
			for i := 0; i < b.N; i++ {
				r, _ := Generate(kind, 1, i, 1<<20)
				io.Copy(io.Discard, r)
			}
		})
	}
}
