package dataset

import "fmt"

// Content kinds.
const (
	Random = "random"
	Text   = "text"
	JPEG   = "jpeg"
	WAV    = "wav"
)

// Kinds lists every content kind.
func Kinds() []string { return []string{Random, Text, JPEG, WAV} }

// MinSize is the smallest object of a kind that can be generated exactly
// (a JPEG needs its headers, a WAV its 44-byte header and one frame).
func MinSize(kind string) int64 {
	switch kind {
	case JPEG:
		return minJPEGSize
	case WAV:
		return wavHeaderSize + wavFrameSize
	}
	return 1
}

// Ext is the object-name extension of a kind.
func Ext(kind string) string {
	switch kind {
	case Text:
		return ".txt"
	case JPEG:
		return ".jpg"
	case WAV:
		return ".wav"
	}
	return ".bin"
}

// ContentType is the media type of a kind.
func ContentType(kind string) string {
	switch kind {
	case Text:
		return "text/plain; charset=utf-8"
	case JPEG:
		return "image/jpeg"
	case WAV:
		return "audio/wav"
	}
	return "application/octet-stream"
}

// ActualSize is the exact length of a generated object asked to be size
// bytes: the same, except WAV, which is rounded down to whole frames.
func ActualSize(kind string, size int64) int64 {
	if kind == WAV {
		return wavSize(size)
	}
	return size
}

// Generate returns object number i of a dataset of kind seeded with seed:
// a reader of exactly ActualSize(kind, size) bytes, the same for the same
// arguments on every run and machine.
func Generate(kind string, seed int64, i int, size int64) (Reader, error) {
	if size < MinSize(kind) {
		return nil, fmt.Errorf("dataset: a %s object needs at least %d bytes, asked for %d", kind, MinSize(kind), size)
	}
	s := objSeed(seed, i)
	switch kind {
	case Random:
		return newRandomReader(s, size), nil
	case Text:
		return newTextReader(s, size), nil
	case JPEG:
		return newJPEGReader(s, size)
	case WAV:
		return newWAVReader(s, size), nil
	}
	return nil, fmt.Errorf("dataset: unknown content kind %q; want random, text, jpeg or wav", kind)
}

// Reader is a generated object: its bytes and its exact length.
type Reader interface {
	Read(p []byte) (int, error)
	Size() int64
}

// objSeed mixes a dataset seed and an object index (splitmix64).
func objSeed(seed int64, i int) uint64 {
	z := uint64(seed) + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
