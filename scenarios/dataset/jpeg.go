package dataset

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math"
	"math/rand/v2"
)

// Generated JPEG images: a colour gradient with a few shapes and a little
// noise, sized so that the encoded image is at most the object size (up to
// maxJPEGSide pixels a side); the rest is filled with JPEG comment (COM)
// segments, so every object is a valid image of exactly the asked size.
const (
	minJPEGSize  = 2048
	minJPEGSide  = 16
	maxJPEGSide  = 2048
	jpegQuality  = 85
	jpegBytesPx  = 0.45 // first guess of encoded bytes per pixel
	comMaxLength = 65535
)

type jpegReader struct {
	io.Reader
	size int64
}

func (r *jpegReader) Size() int64 { return r.size }

func newJPEGReader(seed uint64, size int64) (Reader, error) {
	rng := rand.New(rand.NewPCG(seed, 0x6a706567))
	p := newPicture(rng)
	side := int(math.Sqrt(float64(size) * 0.9 / jpegBytesPx))
	side = min(max(side, minJPEGSide), maxJPEGSide)
	var enc bytes.Buffer
	for try := 0; ; try++ {
		enc.Reset()
		if err := jpeg.Encode(&enc, p.render(side), &jpeg.Options{Quality: jpegQuality}); err != nil {
			return nil, fmt.Errorf("dataset: encode jpeg: %w", err)
		}
		if int64(enc.Len()) <= size {
			break
		}
		if side == minJPEGSide || try == 8 {
			return nil, fmt.Errorf("dataset: no JPEG fits in %d bytes (smallest %d)", size, enc.Len())
		}
		next := int(float64(side) * math.Sqrt(float64(size)/float64(enc.Len())) * 0.95)
		side = max(min(next, side-1), minJPEGSide)
	}
	b := enc.Bytes()
	pad := size - int64(len(b))
	var tail int64
	if pad > 0 && pad < 4 {
		tail, pad = pad, 0 // too little for a COM segment: trailing bytes after EOI
	}
	return &jpegReader{
		Reader: io.MultiReader(bytes.NewReader(b[:2]), &comPadding{left: pad}, bytes.NewReader(b[2:]), io.LimitReader(zeros{}, tail)),
		size:   size,
	}, nil
}

// comPadding streams JPEG COM segments of left bytes in all (left is 0 or at least 4).
type comPadding struct {
	left int64   // bytes still to write, headers included
	seg  int64   // payload bytes left in the current segment
	hdr  []byte  // unwritten part of the current segment's header
	h    [4]byte // header storage
	off  int     // position in padText
}

var padText = []byte("etlbench generated image padding. ")

func (c *comPadding) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		switch {
		case len(c.hdr) > 0:
			k := copy(p[n:], c.hdr)
			c.hdr = c.hdr[k:]
			n += k
		case c.seg > 0:
			k := int(min(c.seg, int64(len(p)-n)))
			for j := 0; j < k; j++ {
				p[n+j] = padText[c.off]
				c.off = (c.off + 1) % len(padText)
			}
			n += k
			c.seg -= int64(k)
		case c.left > 0:
			total := c.left
			if total > comMaxLength+2 {
				total = min(comMaxLength+2, c.left-4)
			}
			l := total - 2
			c.h = [4]byte{0xFF, 0xFE, byte(l >> 8), byte(l)}
			c.hdr = c.h[:]
			c.seg = total - 4
			c.left -= total
		default:
			if n == 0 {
				return 0, io.EOF
			}
			return n, nil
		}
	}
	return n, nil
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// picture is a resolution-independent drawing: rendered at any side.
type picture struct {
	c0, c1 [3]float64 // gradient corners
	shapes []shape
	noise  uint64
}

type shape struct {
	cx, cy, rx, ry float64 // in [0,1] units
	col            [3]float64
	ellipse        bool
}

func newPicture(rng *rand.Rand) *picture {
	col := func() [3]float64 { return [3]float64{rng.Float64() * 255, rng.Float64() * 255, rng.Float64() * 255} }
	p := &picture{c0: col(), c1: col(), noise: rng.Uint64()}
	for i := 3 + rng.IntN(6); i > 0; i-- {
		p.shapes = append(p.shapes, shape{
			cx: rng.Float64(), cy: rng.Float64(),
			rx: 0.05 + 0.25*rng.Float64(), ry: 0.05 + 0.25*rng.Float64(),
			col: col(), ellipse: rng.IntN(2) == 0,
		})
	}
	return p
}

func (p *picture) render(side int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	noise := rand.New(rand.NewPCG(p.noise, uint64(side)))
	inv := 1 / float64(side)
	for y := 0; y < side; y++ {
		fy := (float64(y) + 0.5) * inv
		for x := 0; x < side; x++ {
			fx := (float64(x) + 0.5) * inv
			t := (fx + fy) / 2
			var c [3]float64
			for k := range c {
				c[k] = p.c0[k]*(1-t) + p.c1[k]*t
			}
			for _, s := range p.shapes {
				dx, dy := (fx-s.cx)/s.rx, (fy-s.cy)/s.ry
				if (s.ellipse && dx*dx+dy*dy <= 1) || (!s.ellipse && math.Abs(dx) <= 1 && math.Abs(dy) <= 1) {
					c = s.col
				}
			}
			n := float64(noise.IntN(17)) - 8
			img.SetRGBA(x, y, color.RGBA{clamp8(c[0] + n), clamp8(c[1] + n), clamp8(c[2] + n), 255})
		}
	}
	return img
}

func clamp8(v float64) uint8 {
	return uint8(min(max(v, 0), 255))
}
