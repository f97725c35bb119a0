package transformers

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"strconv"
	"strings"

	"github.com/etlbench/etlbench/etlcore/transformer"
	"github.com/etlbench/etlbench/internal/ctxio"
	"golang.org/x/image/draw"
)

// Limits of image-resize: an image is decoded whole, so its size bounds the
// memory a request takes.
const (
	maxImageBytes  = 256 << 20 // encoded input
	maxImagePixels = 64 << 20  // decoded input, and output (W*H)
	maxImageSide   = 16384     // each of the output's W and H
)

var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xff, 0xd8, 0xff}
)

// resizeArgs are the keys of image-resize's etl_args besides the leading WxH.
var resizeArgs = map[string]bool{"q": true, "filter": true}

// resizeFilters maps the filter arg to its interpolator.
var resizeFilters = map[string]draw.Interpolator{
	"bilinear":   draw.BiLinear,
	"catmullrom": draw.CatmullRom,
	"approx":     draw.ApproxBiLinear,
	"nearest":    draw.NearestNeighbor,
}

// resizeSpec is image-resize's parsed etl_args.
type resizeSpec struct {
	w, h    int // 0: from the other side and the aspect ratio
	quality int
	filter  draw.Interpolator
}

// parseResize parses "WxH[,q=N][,filter=F]".
func parseResize(s string) (resizeSpec, error) {
	const name = "image-resize"
	size, rest, _ := strings.Cut(s, ",")
	size = strings.TrimSpace(size)
	ws, hs, ok := strings.Cut(size, "x")
	if size == "" || !ok {
		return resizeSpec{}, argError(name, "WxH", "%q is not a size like 224x224", size)
	}
	var sp resizeSpec
	var err error
	if sp.w, err = strconv.Atoi(ws); err != nil || sp.w < 0 || sp.w > maxImageSide {
		return sp, argError(name, "WxH", "width %q is not an integer in 0..%d", ws, maxImageSide)
	}
	if sp.h, err = strconv.Atoi(hs); err != nil || sp.h < 0 || sp.h > maxImageSide {
		return sp, argError(name, "WxH", "height %q is not an integer in 0..%d", hs, maxImageSide)
	}
	if sp.w == 0 && sp.h == 0 {
		return sp, argError(name, "WxH", "width and height cannot both be 0")
	}
	a, err := parseArgs(name, rest, resizeArgs)
	if err != nil {
		return sp, err
	}
	if sp.quality, err = a.intIn("q", 90, 1, 100); err != nil {
		return sp, err
	}
	f, err := a.oneOf("filter", "bilinear", "bilinear", "catmullrom", "approx", "nearest")
	if err != nil {
		return sp, err
	}
	sp.filter = resizeFilters[f]
	return sp, nil
}

// outSize returns the output size for an input of iw x ih.
func (sp resizeSpec) outSize(iw, ih int) (int, int) {
	w, h := sp.w, sp.h
	if w == 0 {
		w = max(1, (h*iw+ih/2)/ih)
	}
	if h == 0 {
		h = max(1, (w*ih+iw/2)/iw)
	}
	return w, h
}

// imageResize decodes a JPEG or PNG (detected by its signature), resizes it
// to the WxH of etl_args and writes it as a JPEG. Transparent pixels are
// composed over white.
func imageResize(ctx context.Context, req transformer.Request, r io.Reader, w io.Writer) error {
	const name = "image-resize"
	sp, err := parseResize(req.Args)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(ctxio.Reader(ctx, r), maxImageBytes+1))
	if err != nil {
		return fmt.Errorf("%s: read input: %w", name, err)
	}
	if len(data) > maxImageBytes {
		return inputError(name, fmt.Errorf("image larger than %d MiB", maxImageBytes>>20))
	}
	src, err := decodeImage(data)
	if err != nil {
		return inputError(name, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	sb := src.Bounds()
	ow, oh := sp.outSize(sb.Dx(), sb.Dy())
	if ow > maxImageSide || oh > maxImageSide || ow*oh > maxImagePixels {
		return argError(name, "WxH", "output %dx%d is larger than %d pixels or %d a side", ow, oh, maxImagePixels, maxImageSide)
	}
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	sp.filter.Scale(dst, dst.Bounds(), src, sb, draw.Over, nil)
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := jpeg.Encode(bw, dst, &jpeg.Options{Quality: sp.quality}); err != nil {
		return fmt.Errorf("%s: encode JPEG: %w", name, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("%s: write: %w", name, err)
	}
	return nil
}

// decodeImage decodes a PNG or JPEG, checking its dimensions against the
// limits before the pixels are allocated.
func decodeImage(data []byte) (image.Image, error) {
	var (
		format string
		config func(io.Reader) (image.Config, error)
		decode func(io.Reader) (image.Image, error)
	)
	switch {
	case bytes.HasPrefix(data, pngMagic):
		format, config, decode = "PNG", png.DecodeConfig, png.Decode
	case bytes.HasPrefix(data, jpegMagic):
		format, config, decode = "JPEG", jpeg.DecodeConfig, jpeg.Decode
	case len(data) == 0:
		return nil, errors.New("empty input, want a JPEG or PNG image")
	default:
		return nil, fmt.Errorf("not a JPEG or PNG image (starts with % x)", data[:min(len(data), 8)])
	}
	cfg, err := config(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s header: %w", format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%s image has no pixels (%dx%d)", format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return nil, fmt.Errorf("%s image %dx%d is larger than %d pixels", format, cfg.Width, cfg.Height, maxImagePixels)
	}
	img, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", format, err)
	}
	return img, nil
}
