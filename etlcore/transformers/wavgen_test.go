package transformers

import (
	"bytes"
	"encoding/binary"
	"math"
)

// testWAV describes a WAV for tests to build.
type testWAV struct {
	code       uint16 // wavFormatPCM or wavFormatFloat
	bits       int
	rate       int
	extensible bool     // write WAVE_FORMAT_EXTENSIBLE with code as sub-format
	before     [][]byte // whole chunks (id, size, body) before fmt and data
	unknown    bool     // write 0xffffffff as the data size
	after      []byte   // bytes after the data chunk
	frames     [][]float64
}

// chunk returns a RIFF chunk with its pad byte.
func chunk(id string, body []byte) []byte {
	b := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	b = append(b, body...)
	if len(body)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// encodeSample quantizes v (-1..1) to the format's sample bytes.
func encodeSample(b []byte, code uint16, bits int, v float64) []byte {
	le := binary.LittleEndian
	if code == wavFormatFloat {
		if bits == 32 {
			return le.AppendUint32(b, math.Float32bits(float32(v)))
		}
		return le.AppendUint64(b, math.Float64bits(v))
	}
	full := float64(int64(1)<<(bits-1) - 1)
	s := int64(math.Round(v * full))
	switch bits {
	case 8:
		return append(b, byte(s+128))
	case 16:
		return le.AppendUint16(b, uint16(s))
	case 24:
		return append(b, byte(s), byte(s>>8), byte(s>>16))
	}
	return le.AppendUint32(b, uint32(s))
}

func (w testWAV) bytes() []byte {
	ch := 1
	if len(w.frames) > 0 {
		ch = len(w.frames[0])
	}
	le := binary.LittleEndian
	var f []byte
	code := w.code
	if w.extensible {
		code = wavFormatExtensible
	}
	f = le.AppendUint16(f, code)
	f = le.AppendUint16(f, uint16(ch))
	f = le.AppendUint32(f, uint32(w.rate))
	f = le.AppendUint32(f, uint32(w.rate*ch*w.bits/8))
	f = le.AppendUint16(f, uint16(ch*w.bits/8))
	f = le.AppendUint16(f, uint16(w.bits))
	if w.extensible {
		f = le.AppendUint16(f, 22)
		f = le.AppendUint16(f, uint16(w.bits))
		f = le.AppendUint32(f, 0) // channel mask
		f = le.AppendUint16(f, w.code)
		f = append(f, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71)
	}
	var data []byte
	for _, fr := range w.frames {
		for _, v := range fr {
			data = encodeSample(data, w.code, w.bits, v)
		}
	}
	var body bytes.Buffer
	body.WriteString("WAVE")
	for _, c := range w.before {
		body.Write(c)
	}
	body.Write(chunk("fmt ", f))
	d := chunk("data", data)
	if w.unknown {
		le.PutUint32(d[4:8], wavUnknownSize)
	}
	body.Write(d)
	body.Write(w.after)
	out := append([]byte("RIFF"), le.AppendUint32(nil, uint32(body.Len()))...)
	return append(out, body.Bytes()...)
}

// sines returns n frames at rate of one sine per frequency (one channel
// each), at amplitude amp.
func sines(n, rate int, amp float64, freqs ...float64) [][]float64 {
	frames := make([][]float64, n)
	for i := range frames {
		t := float64(i) / float64(rate)
		frames[i] = make([]float64, len(freqs))
		for c, f := range freqs {
			frames[i][c] = amp * math.Sin(2*math.Pi*f*t)
		}
	}
	return frames
}

// pcm16 is a parsed PCM16 WAV output.
type pcm16 struct {
	channels, rate int
	riffSize       uint32
	dataSize       uint32
	samples        []int16
}

// parsePCM16 parses a canonical 44-byte-header PCM16 WAV, as audio writes.
func parsePCM16(b []byte) (pcm16, bool) {
	le := binary.LittleEndian
	if len(b) < 44 || string(b[0:4]) != "RIFF" || string(b[8:16]) != "WAVEfmt " || le.Uint32(b[16:20]) != 16 ||
		le.Uint16(b[20:22]) != 1 || le.Uint16(b[34:36]) != 16 || string(b[36:40]) != "data" {
		return pcm16{}, false
	}
	p := pcm16{
		channels: int(le.Uint16(b[22:24])),
		rate:     int(le.Uint32(b[24:28])),
		riffSize: le.Uint32(b[4:8]),
		dataSize: le.Uint32(b[40:44]),
	}
	if le.Uint32(b[28:32]) != uint32(p.rate*p.channels*2) || le.Uint16(b[32:34]) != uint16(p.channels*2) {
		return pcm16{}, false
	}
	for i := 44; i+1 < len(b); i += 2 {
		p.samples = append(p.samples, int16(le.Uint16(b[i:])))
	}
	return p, true
}
