package transformers

import (
	"bytes"
	"fmt"
	"math"
	"testing"
)

// stereo44k is the test signal: 0.1 s of stereo at 44100 Hz, a 440 Hz sine
// at half scale on the left, a 1000 Hz sine at quarter scale on the right.
func stereo44k() [][]float64 { return sines(4410, 44100, 1, 440, 1000) }

func scaled(frames [][]float64) [][]float64 {
	out := make([][]float64, len(frames))
	for i, f := range frames {
		out[i] = []float64{0.5 * f[0], 0.25 * f[1]}
	}
	return out
}

func TestAudioStereo44kToMono16k(t *testing.T) {
	in := testWAV{code: wavFormatPCM, bits: 16, rate: 44100, frames: scaled(stereo44k())}.bytes()
	out := mustRun(t, "audio", "ac=1,ar=16000", in)
	p, ok := parsePCM16(out)
	if !ok {
		t.Fatalf("output is not a canonical PCM16 WAV: % x", out[:min(len(out), 44)])
	}
	if p.channels != 1 || p.rate != 16000 {
		t.Errorf("output %d channels at %d Hz, want 1 at 16000", p.channels, p.rate)
	}
	// 4410 frames at 44100 Hz are 0.1 s: 1600 frames at 16000 Hz.
	if len(p.samples) != 1600 || p.dataSize != 3200 || p.riffSize != 36+3200 || len(out) != 44+3200 {
		t.Errorf("%d samples, data size %d, RIFF size %d, %d bytes; want 1600, 3200, 3236, 3244", len(p.samples), p.dataSize, p.riffSize, len(out))
	}
	// Each sample is the average of the two channels at its time, to within
	// the error of linear interpolation (about 30 LSB for 1 kHz at 44.1 kHz).
	for j, s := range p.samples {
		tm := float64(j) / 16000
		want := (0.5*math.Sin(2*math.Pi*440*tm) + 0.25*math.Sin(2*math.Pi*1000*tm)) / 2 * 32767
		if d := math.Abs(float64(s) - want); d > 64 {
			t.Fatalf("sample %d = %d, want %.0f (off by %.0f)", j, s, want, d)
		}
	}
	golden(t, "audio_stereo44100_to_mono16000.wav", out, sameWAV(1))
}

// sameWAV compares two PCM16 WAVs: the header exactly, samples within tol.
func sameWAV(tol int) func(want, got []byte) error {
	return func(want, got []byte) error {
		if len(want) != len(got) || !bytes.Equal(want[:44], got[:44]) {
			return fmt.Errorf("header or length differ: %d bytes % x, golden %d bytes % x", len(got), got[:min(44, len(got))], len(want), want[:min(44, len(want))])
		}
		a, _ := parsePCM16(want)
		b, _ := parsePCM16(got)
		for i := range a.samples {
			if d := int(a.samples[i]) - int(b.samples[i]); d > tol || d < -tol {
				return fmt.Errorf("sample %d is %d, golden %d", i, b.samples[i], a.samples[i])
			}
		}
		return nil
	}
}

// TestAudioSampleFormats converts the test signal from every input format
// and compares with the 16-bit conversion.
func TestAudioSampleFormats(t *testing.T) {
	frames := scaled(stereo44k())
	ref, _ := parsePCM16(mustRun(t, "audio", "ac=1,ar=16000", testWAV{code: wavFormatPCM, bits: 16, rate: 44100, frames: frames}.bytes()))
	cases := []struct {
		name string
		w    testWAV
		tol  int
	}{
		{"pcm8", testWAV{code: wavFormatPCM, bits: 8, rate: 44100, frames: frames}, 300},
		{"pcm24", testWAV{code: wavFormatPCM, bits: 24, rate: 44100, frames: frames}, 2},
		{"pcm32", testWAV{code: wavFormatPCM, bits: 32, rate: 44100, frames: frames}, 2},
		{"float32", testWAV{code: wavFormatFloat, bits: 32, rate: 44100, frames: frames}, 2},
		{"float64", testWAV{code: wavFormatFloat, bits: 64, rate: 44100, frames: frames}, 2},
		{"extensible pcm24", testWAV{code: wavFormatPCM, bits: 24, rate: 44100, frames: frames, extensible: true}, 2},
		{"extensible float32", testWAV{code: wavFormatFloat, bits: 32, rate: 44100, frames: frames, extensible: true}, 2},
		{"extra chunks", testWAV{code: wavFormatPCM, bits: 16, rate: 44100, frames: frames,
			before: [][]byte{chunk("LIST", []byte("INFOISFT\x03\x00\x00\x00etl")), chunk("fact", []byte{1, 2, 3, 4})},
			after:  chunk("id3 ", []byte("tag"))}, 0},
		{"unknown size", testWAV{code: wavFormatPCM, bits: 16, rate: 44100, frames: frames, unknown: true}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := mustRun(t, "audio", "ac=1,ar=16000", c.w.bytes())
			p, ok := parsePCM16(out)
			if !ok || p.channels != 1 || p.rate != 16000 || len(p.samples) != len(ref.samples) {
				t.Fatalf("output: canonical %v, %d channels, %d Hz, %d samples; want 1, 16000, %d", ok, p.channels, p.rate, len(p.samples), len(ref.samples))
			}
			wantSize := uint32(2 * len(ref.samples))
			if c.w.unknown {
				wantSize = wavUnknownSize
			}
			if p.dataSize != wantSize {
				t.Errorf("data size %d, want %d", p.dataSize, wantSize)
			}
			for i, s := range p.samples {
				if d := int(s) - int(ref.samples[i]); d > c.tol || d < -c.tol {
					t.Fatalf("sample %d = %d, 16-bit conversion gives %d (tolerance %d)", i, s, ref.samples[i], c.tol)
				}
			}
		})
	}
}

// TestAudioIdentity: a canonical PCM16 WAV with no args comes out byte-identical.
func TestAudioIdentity(t *testing.T) {
	for _, ch := range []int{1, 2, 5} {
		freqs := []float64{100, 200, 300, 400, 500}[:ch]
		in := testWAV{code: wavFormatPCM, bits: 16, rate: 22050, frames: sines(1001, 22050, 0.9, freqs...)}.bytes()
		for _, args := range []string{"", fmt.Sprintf("ac=%d,ar=22050", ch)} {
			if out := mustRun(t, "audio", args, in); !bytes.Equal(out, in) {
				t.Errorf("%d channels, args %q: output differs from input (%d vs %d bytes)", ch, args, len(out), len(in))
			}
		}
	}
}

// TestAudioMixing checks the channel rules: mono to many copies, many to
// mono averages, many to fewer folds.
func TestAudioMixing(t *testing.T) {
	mono := sines(100, 8000, 0.8, 440)
	p, _ := parsePCM16(mustRun(t, "audio", "ac=3", testWAV{code: wavFormatPCM, bits: 16, rate: 8000, frames: mono}.bytes()))
	if p.channels != 3 || len(p.samples) != 300 {
		t.Fatalf("mono to 3: %d channels, %d samples", p.channels, len(p.samples))
	}
	for i := range 100 {
		want := int16(math.Round(mono[i][0] * 32767))
		if p.samples[3*i] != want || p.samples[3*i+1] != want || p.samples[3*i+2] != want {
			t.Fatalf("frame %d: %v, want %d in each channel", i, p.samples[3*i:3*i+3], want)
		}
	}
	// Six channels of constants c0..c5, to 2: (c0+c2+c4)/3, (c1+c3+c5)/3.
	consts := []float64{0.1, -0.2, 0.3, -0.4, 0.5, -0.6}
	six := make([][]float64, 10)
	for i := range six {
		six[i] = consts
	}
	p, _ = parsePCM16(mustRun(t, "audio", "ac=2", testWAV{code: wavFormatPCM, bits: 16, rate: 8000, frames: six}.bytes()))
	l, r := (0.1+0.3+0.5)/3*32767, (-0.2-0.4-0.6)/3*32767
	if p.channels != 2 || math.Abs(float64(p.samples[0])-l) > 1 || math.Abs(float64(p.samples[1])-r) > 1 {
		t.Errorf("6 to 2: %d channels, first frame %v, want [%.0f %.0f]", p.channels, p.samples[:2], l, r)
	}
	p, _ = parsePCM16(mustRun(t, "audio", "ac=1", testWAV{code: wavFormatPCM, bits: 16, rate: 8000, frames: six}.bytes()))
	if want := (0.1 - 0.2 + 0.3 - 0.4 + 0.5 - 0.6) / 6 * 32767; math.Abs(float64(p.samples[0])-want) > 1 {
		t.Errorf("6 to 1: %d, want %.0f", p.samples[0], want)
	}
}

// TestAudioResampleRamp resamples a linear ramp, which linear interpolation
// reproduces exactly, between many rates and lengths: the frame count is
// ceil(N*out/in) and every sample is the ramp at its time.
func TestAudioResampleRamp(t *testing.T) {
	for _, c := range []struct{ n, in, out int }{
		{1, 8000, 8000}, {1, 8000, 48000}, {2, 44100, 16000}, {3, 16000, 44100},
		{1000, 44100, 16000}, {999, 16000, 44100}, {4410, 44100, 22050}, {777, 48000, 44100},
		{100, 8000, 96000}, {1234, 96000, 8000}, {50, 11025, 7},
	} {
		frames := make([][]float64, c.n)
		slope := 52000 / float64(max(c.n-1, 1))
		for i := range frames {
			frames[i] = []float64{(float64(i)*slope - 26000) / 32767}
		}
		args := fmt.Sprintf("ar=%d", c.out)
		p, ok := parsePCM16(mustRun(t, "audio", args, testWAV{code: wavFormatPCM, bits: 16, rate: c.in, frames: frames}.bytes()))
		wantN := int(math.Ceil(float64(c.n) * float64(c.out) / float64(c.in)))
		if !ok || len(p.samples) != wantN || int(p.dataSize) != 2*wantN {
			t.Errorf("%d frames %d->%d Hz: %d samples (data size %d), want %d", c.n, c.in, c.out, len(p.samples), p.dataSize, wantN)
			continue
		}
		if d := math.Abs(float64(len(p.samples))/float64(c.out) - float64(c.n)/float64(c.in)); d > 1/float64(c.out) {
			t.Errorf("%d frames %d->%d Hz: duration off by %g s", c.n, c.in, c.out, d)
		}
		for j, s := range p.samples {
			pos := min(float64(j)*float64(c.in)/float64(c.out), float64(c.n-1))
			if want := pos*slope - 26000; math.Abs(float64(s)-want) > 1 {
				t.Errorf("%d frames %d->%d Hz: sample %d = %d, want %.1f", c.n, c.in, c.out, j, s, want)
				break
			}
		}
	}
}

func TestAudioEnvDefaults(t *testing.T) {
	in := testWAV{code: wavFormatPCM, bits: 16, rate: 44100, frames: scaled(stereo44k())}.bytes()
	t.Setenv("AC", "1")
	t.Setenv("AR", "8000")
	p, _ := parsePCM16(mustRun(t, "audio", "", in))
	if p.channels != 1 || p.rate != 8000 || len(p.samples) != 800 {
		t.Errorf("with $AC=1 $AR=8000: %d channels at %d Hz, %d samples", p.channels, p.rate, len(p.samples))
	}
	p, _ = parsePCM16(mustRun(t, "audio", "ac=2", in))
	if p.channels != 2 || p.rate != 8000 {
		t.Errorf("args override $AC: %d channels at %d Hz", p.channels, p.rate)
	}
	t.Setenv("AR", "fast")
	_, err := runT(t, "audio", "", in)
	wantStatusErr(t, err, 400, `bad arg "ar": "fast"`)
}

func TestAudioBadArgs(t *testing.T) {
	in := testWAV{code: wavFormatPCM, bits: 16, rate: 8000, frames: sines(10, 8000, 0.5, 100)}.bytes()
	for _, c := range []struct{ args, want string }{
		{"ac=0", `"ac": 0 is out of range 1..16`},
		{"ac=17", `"ac": 17 is out of range`},
		{"ar=0", `"ar": 0 is out of range 1..1000000`},
		{"ar=16k", `"ar": "16k" is not an integer`},
		{"ac=1,codec=flac", `"codec": unknown arg (known: ac=..., ar=...)`},
		{"ac", `"ac": needs a value`},
	} {
		out, err := runT(t, "audio", c.args, in)
		wantStatusErr(t, err, 400, "audio: bad arg "+c.want)
		if len(out) != 0 {
			t.Errorf("%q: wrote %d bytes", c.args, len(out))
		}
	}
}

func TestAudioBadInput(t *testing.T) {
	good := testWAV{code: wavFormatPCM, bits: 16, rate: 8000, frames: sines(100, 8000, 0.5, 100, 200)}.bytes()
	// mutate returns good with b written at off.
	mutate := func(off int, b ...byte) []byte {
		m := bytes.Clone(good)
		copy(m[off:], b)
		return m
	}
	fmtBody := func(code, ch uint16, rate uint32, align, bits uint16) []byte {
		w := testWAV{code: wavFormatPCM, bits: 16, rate: 8000, frames: sines(4, 8000, 0.5, 100, 200)}.bytes()
		b := bytes.Clone(w)
		le := func(off int, v uint32, n int) {
			for i := range n {
				b[off+i] = byte(v >> (8 * i))
			}
		}
		le(20, uint32(code), 2)
		le(22, uint32(ch), 2)
		le(24, rate, 4)
		le(32, uint32(align), 2)
		le(34, uint32(bits), 2)
		return b
	}
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "WAV: empty input"},
		{"short", []byte("RIFF"), "WAV: truncated RIFF header (4 of 12 bytes)"},
		{"not riff", []byte("ID3\x03\x00\x00\x00\x00\x00\x00\x00\x00mp3..."), `WAV: not a RIFF file (starts with "ID3\x03")`},
		{"rf64", mutate(0, 'R', 'F', '6', '4'), "WAV: RF64 (64-bit WAV) is not supported"},
		{"avi", mutate(8, 'A', 'V', 'I', ' '), `WAV: RIFF form is "AVI ", want "WAVE"`},
		{"header only", good[:12], "WAV: no fmt chunk"},
		{"truncated chunk header", good[:16], "WAV: truncated chunk header (4 of 8 bytes)"},
		{"fmt only", good[:36], "WAV: no data chunk"},
		{"truncated fmt", good[:30], "WAV: truncated fmt chunk (10 of 16 bytes)"},
		{"small fmt", mutate(16, 14), "WAV: fmt chunk of 14 bytes, want at least 16"},
		{"data before fmt", mutate(12, 'd', 'a', 't', 'a'), "WAV: data chunk before fmt chunk"},
		{"truncated other chunk", []byte("RIFF\x00\x00\x00\x00WAVELIST\x10\x00\x00\x00abc"), `WAV: truncated "LIST" chunk (3 of 16 bytes)`},
		{"adpcm", fmtBody(2, 2, 8000, 4, 16), "WAV: format code 0x0002 is not supported"},
		{"12-bit", fmtBody(1, 2, 8000, 3, 12), "WAV: PCM with 12 bits per sample is not supported"},
		{"float16", fmtBody(3, 2, 8000, 4, 16), "WAV: float with 16 bits per sample is not supported"},
		{"no channels", fmtBody(1, 0, 8000, 0, 16), "WAV: 0 channels, want 1..64"},
		{"rate 0", fmtBody(1, 2, 0, 4, 16), "WAV: sample rate 0 Hz"},
		{"bad block align", fmtBody(1, 2, 8000, 3, 16), "WAV: block align 3, want 4 (2 channels x 16 bits)"},
		{"short extensible", fmtBody(0xfffe, 2, 8000, 4, 16), "WAV: extensible fmt chunk of 16 bytes, want 40"},
		{"truncated data", good[:len(good)-10], "WAV: truncated data chunk: 100 frames declared, 97 present"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := runT(t, "audio", "ac=1,ar=16000", c.in)
			wantStatusErr(t, err, 422, "audio: bad input: "+c.want)
		})
	}
}

// TestAudioPartialFrame: bytes after the last whole frame are ignored.
func TestAudioPartialFrame(t *testing.T) {
	w := testWAV{code: wavFormatPCM, bits: 16, rate: 8000, frames: sines(10, 8000, 0.5, 100, 200)}.bytes()
	// Declare and append 3 more bytes: less than a 4-byte frame.
	w = append(w, 1, 2, 3)
	w[40] += 3
	w[4] += 3
	p, ok := parsePCM16(mustRun(t, "audio", "", w))
	if !ok || len(p.samples) != 20 {
		t.Errorf("%d samples, want 20 (10 frames)", len(p.samples))
	}
}
