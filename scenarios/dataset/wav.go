package dataset

import (
	"encoding/binary"
	"io"
	"math"
	"math/rand/v2"
)

// Generated WAV audio: PCM, 16-bit, stereo, 44100 Hz, a sine tone (a
// different pitch per object) with a slower second tone on the right.
const (
	WAVSampleRate = 44100
	WAVChannels   = 2
	wavBits       = 16
	wavFrameSize  = WAVChannels * wavBits / 8
	wavHeaderSize = 44
)

// wavSize is the length of a WAV object asked to be size bytes: the header
// plus whole frames.
func wavSize(size int64) int64 {
	if size < wavHeaderSize+wavFrameSize {
		return wavHeaderSize + wavFrameSize
	}
	return wavHeaderSize + (size-wavHeaderSize)/wavFrameSize*wavFrameSize
}

// wavReader streams a canonical 44-byte RIFF/WAVE header and the samples.
type wavReader struct {
	hdr    []byte
	frames int64 // total
	frame  int64 // next to write
	f1, f2 float64
	phase  float64
	amp    float64
	pend   []byte
	buf    [wavFrameSize * 256]byte
	size   int64
}

func newWAVReader(seed uint64, size int64) *wavReader {
	rng := rand.New(rand.NewPCG(seed, 0x776176))
	n := wavSize(size)
	data := n - wavHeaderSize
	h := make([]byte, wavHeaderSize)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+data))
	copy(h[8:], "WAVE")
	copy(h[12:], "fmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1) // PCM
	binary.LittleEndian.PutUint16(h[22:], WAVChannels)
	binary.LittleEndian.PutUint32(h[24:], WAVSampleRate)
	binary.LittleEndian.PutUint32(h[28:], WAVSampleRate*wavFrameSize)
	binary.LittleEndian.PutUint16(h[32:], wavFrameSize)
	binary.LittleEndian.PutUint16(h[34:], wavBits)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(data))
	return &wavReader{
		hdr:    h,
		frames: data / wavFrameSize,
		f1:     220 + float64(rng.IntN(661)), // 220..880 Hz
		f2:     55 + float64(rng.IntN(166)),
		amp:    0.3 + 0.4*rng.Float64(),
		phase:  2 * math.Pi * rng.Float64(),
		size:   n,
	}
}

func (r *wavReader) Size() int64 { return r.size }

func (r *wavReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.hdr) > 0 {
			c := copy(p[n:], r.hdr)
			r.hdr = r.hdr[c:]
			n += c
			continue
		}
		if len(r.pend) == 0 {
			if r.frame >= r.frames {
				break
			}
			k := min(int64(len(r.buf)/wavFrameSize), r.frames-r.frame)
			for j := int64(0); j < k; j++ {
				t := float64(r.frame+j) / WAVSampleRate
				l := r.amp * math.Sin(2*math.Pi*r.f1*t+r.phase)
				rt := r.amp * (0.6*math.Sin(2*math.Pi*r.f1*t+r.phase) + 0.4*math.Sin(2*math.Pi*r.f2*t))
				binary.LittleEndian.PutUint16(r.buf[j*wavFrameSize:], uint16(int16(l*math.MaxInt16)))
				binary.LittleEndian.PutUint16(r.buf[j*wavFrameSize+2:], uint16(int16(rt*math.MaxInt16)))
			}
			r.frame += k
			r.pend = r.buf[:k*wavFrameSize]
		}
		c := copy(p[n:], r.pend)
		r.pend = r.pend[c:]
		n += c
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}
