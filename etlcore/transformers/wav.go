package transformers

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// WAV format codes (the fmt chunk's audio format, or the first two bytes of
// WAVE_FORMAT_EXTENSIBLE's sub-format GUID).
const (
	wavFormatPCM        = 0x0001
	wavFormatFloat      = 0x0003
	wavFormatExtensible = 0xfffe
)

// Limits of the WAV reader.
const (
	wavMaxChannels = 64
	wavMaxRate     = 10_000_000
	// wavUnknownSize is the chunk size that streaming writers (ffmpeg to a
	// pipe) put when they cannot know the length: read to EOF.
	wavUnknownSize = 0xffffffff
)

// errBadWAV is wrapped by every error about the content of a WAV stream
// (as opposed to a failure to read it).
var errBadWAV = errors.New("WAV")

// badWAV returns an error about the content of a WAV stream: "WAV: <msg>".
func badWAV(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errBadWAV, fmt.Sprintf(format, a...))
}

// readFailed returns the error for a failed read of n of want bytes of what:
// a truncation if the input ended, else the read error.
func readFailed(err error, what string, n, want int64) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return badWAV("truncated %s (%d of %d bytes)", what, n, want)
	}
	return fmt.Errorf("WAV: read %s: %w", what, err)
}

// wavFormat is what a WAV's fmt chunk says about its samples.
type wavFormat struct {
	Channels      int
	SampleRate    int
	BitsPerSample int
	Float         bool // IEEE float samples (32 or 64 bits), else integer PCM
	BlockAlign    int  // bytes per frame: Channels * BitsPerSample/8
}

// wavReader reads the frames of a RIFF/WAVE stream, decoding every sample
// to a full-scale int32 (so 16-bit s becomes s<<16).
type wavReader struct {
	Format wavFormat
	// Frames is the number of whole frames the data chunk declares, or -1
	// if its size is unknown (read to EOF).
	Frames int64

	r       *bufio.Reader
	left    int64 // bytes left in the data chunk, -1 if unknown
	frames  int64 // frames read so far
	buf     []byte
	decoder func(b []byte) int32
}

// newWAVReader parses the RIFF header and the chunks up to the data chunk.
// Every malformation is an error that says what was wrong and where.
func newWAVReader(r io.Reader) (*wavReader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var hdr [12]byte
	if n, err := io.ReadFull(br, hdr[:]); err != nil {
		if n == 0 && errors.Is(err, io.EOF) {
			return nil, badWAV("empty input")
		}
		return nil, readFailed(err, "RIFF header", int64(n), 12)
	}
	switch string(hdr[0:4]) {
	case "RIFF":
	case "RF64", "BW64":
		return nil, badWAV("%s (64-bit WAV) is not supported", hdr[0:4])
	default:
		return nil, badWAV("not a RIFF file (starts with %q)", hdr[0:4])
	}
	if string(hdr[8:12]) != "WAVE" {
		return nil, badWAV("RIFF form is %q, want \"WAVE\"", hdr[8:12])
	}
	wr := &wavReader{r: br}
	haveFmt := false
	for {
		var ch [8]byte
		if n, err := io.ReadFull(br, ch[:]); err != nil {
			if n == 0 && errors.Is(err, io.EOF) {
				if !haveFmt {
					return nil, badWAV("no fmt chunk")
				}
				return nil, badWAV("no data chunk")
			}
			return nil, readFailed(err, "chunk header", int64(n), 8)
		}
		id, size := string(ch[0:4]), binary.LittleEndian.Uint32(ch[4:8])
		switch id {
		case "fmt ":
			if haveFmt {
				return nil, badWAV("two fmt chunks")
			}
			f, err := readWAVFmt(br, size)
			if err != nil {
				return nil, err
			}
			wr.Format, haveFmt = f, true
		case "data":
			if !haveFmt {
				return nil, badWAV("data chunk before fmt chunk")
			}
			wr.start(size)
			return wr, nil
		default:
			skip := int64(size) + int64(size&1) // chunks are padded to even sizes
			if n, err := io.CopyN(io.Discard, br, skip); err != nil {
				return nil, readFailed(err, fmt.Sprintf("%q chunk", id), n, skip)
			}
		}
	}
}

// readWAVFmt reads and validates a fmt chunk of the given size.
func readWAVFmt(r io.Reader, size uint32) (wavFormat, error) {
	if size < 16 {
		return wavFormat{}, badWAV("fmt chunk of %d bytes, want at least 16", size)
	}
	var b [40]byte
	n := min(int(size), len(b))
	if got, err := io.ReadFull(r, b[:n]); err != nil {
		return wavFormat{}, readFailed(err, "fmt chunk", int64(got), int64(size))
	}
	if rest := int64(size) - int64(n) + int64(size&1); rest > 0 {
		if got, err := io.CopyN(io.Discard, r, rest); err != nil {
			return wavFormat{}, readFailed(err, "fmt chunk", int64(n)+got, int64(size))
		}
	}
	le := binary.LittleEndian
	code := le.Uint16(b[0:2])
	f := wavFormat{
		Channels:      int(le.Uint16(b[2:4])),
		SampleRate:    int(le.Uint32(b[4:8])),
		BlockAlign:    int(le.Uint16(b[12:14])),
		BitsPerSample: int(le.Uint16(b[14:16])),
	}
	if code == wavFormatExtensible {
		if size < 40 {
			return f, badWAV("extensible fmt chunk of %d bytes, want 40", size)
		}
		code = le.Uint16(b[24:26]) // sub-format GUID's first two bytes
	}
	switch code {
	case wavFormatPCM:
		switch f.BitsPerSample {
		case 8, 16, 24, 32:
		default:
			return f, badWAV("PCM with %d bits per sample is not supported (8, 16, 24, 32)", f.BitsPerSample)
		}
	case wavFormatFloat:
		f.Float = true
		if f.BitsPerSample != 32 && f.BitsPerSample != 64 {
			return f, badWAV("float with %d bits per sample is not supported (32, 64)", f.BitsPerSample)
		}
	default:
		return f, badWAV("format code 0x%04x is not supported (PCM or IEEE float only)", code)
	}
	if f.Channels < 1 || f.Channels > wavMaxChannels {
		return f, badWAV("%d channels, want 1..%d", f.Channels, wavMaxChannels)
	}
	if f.SampleRate < 1 || f.SampleRate > wavMaxRate {
		return f, badWAV("sample rate %d Hz, want 1..%d", f.SampleRate, wavMaxRate)
	}
	if want := f.Channels * f.BitsPerSample / 8; f.BlockAlign != want {
		return f, badWAV("block align %d, want %d (%d channels x %d bits)", f.BlockAlign, want, f.Channels, f.BitsPerSample)
	}
	return f, nil
}

// start prepares reading a data chunk of the given size.
func (wr *wavReader) start(size uint32) {
	f := wr.Format
	if size == wavUnknownSize {
		wr.left, wr.Frames = -1, -1
	} else {
		wr.Frames = int64(size) / int64(f.BlockAlign)
		wr.left = wr.Frames * int64(f.BlockAlign) // a trailing partial frame is ignored
	}
	wr.buf = make([]byte, 4096*f.BlockAlign)
	switch {
	case f.Float && f.BitsPerSample == 32:
		wr.decoder = func(b []byte) int32 {
			return floatToInt32(float64(math.Float32frombits(binary.LittleEndian.Uint32(b))))
		}
	case f.Float:
		wr.decoder = func(b []byte) int32 { return floatToInt32(math.Float64frombits(binary.LittleEndian.Uint64(b))) }
	case f.BitsPerSample == 8: // unsigned, 128 = 0
		wr.decoder = func(b []byte) int32 { return (int32(b[0]) - 128) << 24 }
	case f.BitsPerSample == 16:
		wr.decoder = func(b []byte) int32 { return int32(int16(binary.LittleEndian.Uint16(b))) << 16 }
	case f.BitsPerSample == 24:
		wr.decoder = func(b []byte) int32 { return int32(uint32(b[0])<<8 | uint32(b[1])<<16 | uint32(b[2])<<24) }
	default:
		wr.decoder = func(b []byte) int32 { return int32(binary.LittleEndian.Uint32(b)) }
	}
}

// floatToInt32 maps a float sample (full scale -1..1, clipped) to int32.
func floatToInt32(v float64) int32 {
	switch {
	case v != v: // NaN
		return 0
	case v >= 1:
		return math.MaxInt32
	case v <= -1:
		return math.MinInt32
	}
	return int32(math.Round(v * math.MaxInt32))
}

// ReadFrames decodes up to len(dst)/Channels frames into dst, interleaved,
// and returns how many. At the end of the data it returns 0, io.EOF; a data
// chunk shorter than declared is an error.
func (wr *wavReader) ReadFrames(dst []int32) (int, error) {
	ba, ch := wr.Format.BlockAlign, wr.Format.Channels
	want := min(len(dst)/ch, len(wr.buf)/ba)
	if wr.left >= 0 {
		want = int(min(int64(want), wr.left/int64(ba)))
		if want == 0 {
			return 0, io.EOF
		}
	}
	if want == 0 {
		return 0, errors.New("WAV: ReadFrames: dst holds no whole frame")
	}
	b := wr.buf[:want*ba]
	n, err := io.ReadFull(wr.r, b)
	frames := n / ba
	if err != nil {
		switch {
		case wr.left < 0 && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)):
			if frames == 0 {
				return 0, io.EOF // a trailing partial frame is ignored
			}
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return 0, badWAV("truncated data chunk: %d frames declared, %d present", wr.Frames, wr.frames+int64(frames))
		default:
			return 0, fmt.Errorf("WAV: read data: %w", err)
		}
	}
	bps := wr.Format.BitsPerSample / 8
	for i := range frames * ch {
		dst[i] = wr.decoder(b[i*bps:])
	}
	wr.frames += int64(frames)
	if wr.left >= 0 {
		wr.left -= int64(frames * ba)
	}
	return frames, nil
}

// wavHeaderSize is the size of the canonical header writeWAVHeader writes.
const wavHeaderSize = 44

// writeWAVHeader writes the canonical 44-byte header of a PCM16 WAV with
// the given channels, rate and data size in bytes; dataSize < 0 means
// unknown (both sizes are then 0xffffffff, as streaming writers do).
func writeWAVHeader(w io.Writer, channels, rate int, dataSize int64) error {
	var h [wavHeaderSize]byte
	le := binary.LittleEndian
	riffSize, dataSz := uint32(wavUnknownSize), uint32(wavUnknownSize)
	if dataSize >= 0 {
		if dataSize > math.MaxUint32-(wavHeaderSize-8)-1 {
			return badWAV("output of %d bytes is too large for a WAV (4 GiB)", dataSize)
		}
		riffSize, dataSz = uint32(wavHeaderSize-8+dataSize), uint32(dataSize)
	}
	copy(h[0:4], "RIFF")
	le.PutUint32(h[4:8], riffSize)
	copy(h[8:16], "WAVEfmt ")
	le.PutUint32(h[16:20], 16)
	le.PutUint16(h[20:22], wavFormatPCM)
	le.PutUint16(h[22:24], uint16(channels))
	le.PutUint32(h[24:28], uint32(rate))
	le.PutUint32(h[28:32], uint32(rate*channels*2))
	le.PutUint16(h[32:34], uint16(channels*2))
	le.PutUint16(h[34:36], 16)
	copy(h[36:40], "data")
	le.PutUint32(h[40:44], dataSz)
	_, err := w.Write(h[:])
	return err
}
