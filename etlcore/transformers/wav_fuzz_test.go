package transformers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/etlbench/etlbench/etlcore/transformer"
)

// wavSeeds are the seed inputs of FuzzWAVReader, also committed under
// testdata/fuzz/FuzzWAVReader (rewritten with -update).
func wavSeeds() map[string][]byte {
	frames := sines(64, 8000, 0.7, 300, 500)
	good := testWAV{code: wavFormatPCM, bits: 16, rate: 8000, frames: frames}.bytes()
	return map[string][]byte{
		"pcm16":       good,
		"pcm8":        testWAV{code: wavFormatPCM, bits: 8, rate: 11025, frames: frames}.bytes(),
		"pcm24-ext":   testWAV{code: wavFormatPCM, bits: 24, rate: 48000, frames: frames, extensible: true}.bytes(),
		"float32":     testWAV{code: wavFormatFloat, bits: 32, rate: 16000, frames: frames}.bytes(),
		"float64":     testWAV{code: wavFormatFloat, bits: 64, rate: 16000, frames: frames[:8]}.bytes(),
		"pcm32-mono":  testWAV{code: wavFormatPCM, bits: 32, rate: 44100, frames: sines(32, 44100, 0.5, 440)}.bytes(),
		"unknown":     testWAV{code: wavFormatPCM, bits: 16, rate: 8000, frames: frames, unknown: true}.bytes(),
		"chunks":      testWAV{code: wavFormatPCM, bits: 16, rate: 8000, frames: frames[:4], before: [][]byte{chunk("LIST", []byte("INFOabc"))}}.bytes(),
		"truncated":   good[:len(good)-7],
		"header-only": good[:44],
		"empty":       nil,
	}
}

// FuzzWAVReader feeds arbitrary bytes to the WAV reader and to the audio
// transform: no panic, no hang; an error is a clear WAV error; success
// yields a well-formed PCM16 WAV with the promised number of frames.
func FuzzWAVReader(f *testing.F) {
	for _, b := range wavSeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		wr, err := newWAVReader(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, errBadWAV) {
				t.Fatalf("reading from memory failed with a non-WAV error: %v", err)
			}
			return
		}
		f := wr.Format
		if f.Channels < 1 || f.SampleRate < 1 || f.BlockAlign != f.Channels*f.BitsPerSample/8 {
			t.Fatalf("accepted an invalid format %+v", f)
		}
		buf := make([]int32, 256*f.Channels)
		var frames int64
		for {
			n, err := wr.ReadFrames(buf)
			frames += int64(n)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if !errors.Is(err, errBadWAV) {
					t.Fatalf("ReadFrames: non-WAV error %v", err)
				}
				return
			}
			if n == 0 || frames > int64(len(data)) {
				t.Fatalf("ReadFrames made no progress or read %d frames from %d bytes", frames, len(data))
			}
		}
		if wr.Frames >= 0 && frames != wr.Frames {
			t.Fatalf("read %d frames, header declares %d", frames, wr.Frames)
		}
		// The whole transform, keeping the output small: mono at the input
		// rate, and a resample only from rates where it grows less than 8x.
		args := []string{"ac=1"}
		if f.SampleRate >= 1000 {
			args = append(args, "ac=2,ar=8000")
		}
		for _, a := range args {
			var out bytes.Buffer
			err := audio(context.Background(), transformer.Request{Args: a}, bytes.NewReader(data), &out)
			if err != nil {
				t.Fatalf("reader accepted the input, audio %q failed: %v", a, err)
			}
			p, ok := parsePCM16(out.Bytes())
			if !ok || (wr.Frames >= 0 && int(p.dataSize) != 2*len(p.samples)) {
				t.Fatalf("audio %q: malformed output header % x", a, out.Bytes()[:min(44, out.Len())])
			}
			outRate := int64(min(f.SampleRate, audioMaxRate))
			if a == "ac=1" && int64(len(p.samples)) != (frames*outRate+int64(f.SampleRate)-1)/int64(f.SampleRate) {
				t.Fatalf("audio %q: %d output frames from %d input frames at %d Hz to %d Hz", a, len(p.samples), frames, f.SampleRate, outRate)
			}
		}
	})
}

// TestWriteWAVSeedCorpus rewrites the committed seed corpus with -update.
func TestWriteWAVSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzWAVReader")
	if !*update {
		entries, err := os.ReadDir(dir)
		if err != nil || len(entries) < len(wavSeeds()) {
			t.Fatalf("seed corpus %s: %d files, %v (rewrite it with -update)", dir, len(entries), err)
		}
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range wavSeeds() {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, "seed-"+name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
