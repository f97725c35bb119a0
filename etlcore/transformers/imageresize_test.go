package transformers

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// gradient returns a w x h image with a horizontal red, a vertical green and
// a diagonal blue gradient; alpha < 255 on the right edge if alpha is set.
func gradient(w, h int, alpha bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			a := uint8(255)
			if alpha && x >= w-4 {
				a = 128
			}
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / (w - 1)), uint8(y * 255 / (h - 1)), uint8((x + y) * 255 / (w + h - 2)), a})
		}
	}
	return img
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// decodeJPEG decodes out, checking it is a JPEG of w x h.
func decodeJPEG(t *testing.T, out []byte, w, h int) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("output (%d bytes) is not a JPEG: %v", len(out), err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("output is %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
	}
	return img
}

// sameImage compares two encoded JPEGs pixel by pixel, allowing tol per
// channel (8-bit) so that a change of the JPEG encoder's rounding does not
// break the golden test, while a wrong resize does.
func sameImage(tol int) func(want, got []byte) error {
	return func(want, got []byte) error {
		a, err := jpeg.Decode(bytes.NewReader(want))
		if err != nil {
			return fmt.Errorf("golden: %w", err)
		}
		b, err := jpeg.Decode(bytes.NewReader(got))
		if err != nil {
			return err
		}
		if a.Bounds() != b.Bounds() {
			return fmt.Errorf("size %v, golden %v", b.Bounds(), a.Bounds())
		}
		for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
			for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
				r1, g1, b1, _ := a.At(x, y).RGBA()
				r2, g2, b2, _ := b.At(x, y).RGBA()
				for i, d := range []int{int(r1>>8) - int(r2>>8), int(g1>>8) - int(g2>>8), int(b1>>8) - int(b2>>8)} {
					if d > tol || d < -tol {
						return fmt.Errorf("pixel (%d,%d) channel %d differs by %d (> %d)", x, y, i, d, tol)
					}
				}
			}
		}
		return nil
	}
}

func TestImageResize(t *testing.T) {
	src := gradient(64, 48, true)
	inputs := map[string][]byte{"png": encodePNG(t, src), "jpeg": encodeJPEG(t, src)}
	for _, kind := range []string{"png", "jpeg"} {
		out := mustRun(t, "image-resize", "32x24", inputs[kind])
		img := decodeJPEG(t, out, 32, 24)
		golden(t, "resize_"+kind+"_32x24.jpg", out, sameImage(2))
		// The gradient survives: red grows left to right, green top to bottom.
		r0, _, _, _ := img.At(1, 12).RGBA()
		r1, _, _, _ := img.At(26, 12).RGBA()
		_, g0, _, _ := img.At(16, 1).RGBA()
		_, g1, _, _ := img.At(16, 22).RGBA()
		if r1>>8 < r0>>8+150 || g1>>8 < g0>>8+150 {
			t.Errorf("%s: gradient lost: red %d..%d, green %d..%d", kind, r0>>8, r1>>8, g0>>8, g1>>8)
		}
	}
	// Semi-transparent PNG pixels are composed over white, not black.
	img := decodeJPEG(t, mustRun(t, "image-resize", "32x24", inputs["png"]), 32, 24)
	if _, _, b, _ := img.At(31, 0).RGBA(); b>>8 < 100 {
		t.Errorf("transparent edge: blue %d, want it lightened towards white", b>>8)
	}
	// Options: one side from the aspect ratio, quality, filters.
	decodeJPEG(t, mustRun(t, "image-resize", "32x0", inputs["png"]), 32, 24)
	decodeJPEG(t, mustRun(t, "image-resize", "0x12", inputs["jpeg"]), 16, 12)
	decodeJPEG(t, mustRun(t, "image-resize", "128x96,filter=catmullrom", inputs["jpeg"]), 128, 96)
	decodeJPEG(t, mustRun(t, "image-resize", "7x5,filter=nearest", inputs["png"]), 7, 5)
	decodeJPEG(t, mustRun(t, "image-resize", "1x1,filter=approx", inputs["png"]), 1, 1)
	lo := mustRun(t, "image-resize", "64x48,q=10", inputs["png"])
	hi := mustRun(t, "image-resize", "64x48,q=100", inputs["png"])
	if len(lo) >= len(hi) {
		t.Errorf("q=10 gave %d bytes, q=100 %d: quality is not applied", len(lo), len(hi))
	}
}

// pngHeader returns a PNG signature and a valid IHDR chunk of w x h.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.Write(pngMagic)
	ihdr := make([]byte, 4+13)
	copy(ihdr, "IHDR")
	binary.BigEndian.PutUint32(ihdr[4:], w)
	binary.BigEndian.PutUint32(ihdr[8:], h)
	ihdr[12], ihdr[13] = 8, 6 // 8-bit RGBA
	binary.Write(&b, binary.BigEndian, uint32(13))
	b.Write(ihdr)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(ihdr))
	return b.Bytes()
}

func TestImageResizeBadInput(t *testing.T) {
	src := gradient(64, 48, false)
	p, j := encodePNG(t, src), encodeJPEG(t, src)
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "empty input"},
		{"text", []byte("hello, world"), "not a JPEG or PNG image (starts with 68 65 6c"},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), "not a JPEG or PNG"},
		{"png signature only", pngMagic, "PNG header"},
		{"truncated png", p[:len(p)/2], "PNG:"},
		{"corrupt png", append(append([]byte{}, p[:40]...), bytes.Repeat([]byte{0x55}, 200)...), "PNG"},
		{"truncated jpeg", j[:len(j)/2], "JPEG"},
		{"jpeg without its end", j[:len(j)*7/8], "JPEG: "},
		{"jpeg magic only", jpegMagic, "JPEG header"},
		{"huge png", pngHeader(100000, 100000), "larger than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := runT(t, "image-resize", "32x24", c.in)
			wantStatusErr(t, err, 422, "image-resize: bad input", c.want)
			if len(out) != 0 {
				t.Errorf("wrote %d bytes", len(out))
			}
		})
	}
}

func TestImageResizeBadArgs(t *testing.T) {
	in := encodePNG(t, gradient(8, 8, false))
	cases := []struct{ args, want string }{
		{"", `"WxH"`},
		{"big", `"WxH": "big" is not a size`},
		{"q=80", `"WxH"`},
		{"10x", `"WxH": height ""`},
		{"x10", `"WxH": width ""`},
		{"-1x10", `"WxH": width "-1"`},
		{"0x0", `"WxH": width and height cannot both be 0`},
		{"20000x10", `"WxH": width "20000"`},
		{"16000x16000", `"WxH": output 16000x16000 is larger`},
		{"32x24,q=0", `"q": 0 is out of range 1..100`},
		{"32x24,q=best", `"q"`},
		{"32x24,filter=lanczos", `"filter": "lanczos" is not one of`},
		{"32x24,size=3", `"size": unknown arg`},
	}
	for _, c := range cases {
		_, err := runT(t, "image-resize", c.args, in)
		wantStatusErr(t, err, 400, "image-resize: bad arg "+c.want)
	}
}
