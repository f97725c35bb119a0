package transformers

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/etlbench/etlbench/etlcore/transformer"
	"github.com/etlbench/etlbench/internal/ctxio"
)

// audioArgs are the keys of audio's etl_args (FFmpeg's -ac and -ar).
var audioArgs = map[string]bool{"ac": true, "ar": true}

// Output limits of audio.
const (
	audioMaxChannels = 16
	audioMaxRate     = 1_000_000
)

// audio converts a WAV to a PCM16 WAV with the channels (ac) and sample rate
// (ar) of etl_args: AIStore's FFmpeg example (`ffmpeg -ac 1 -ar 16000 -c:a
// pcm_s16le -f wav`) in pure Go. As there, $AC and $AR give defaults; a
// value given neither way stays as in the input.
//
// Channels: to mono, all input channels are averaged; from mono, the one
// channel is copied to each; otherwise output channel c is the average of the
// input channels i with i mod out == c (fewer) or input channel c mod in
// (more). Rate: linear interpolation; output frame j is at input time
// j/ar and exists while that time is inside the input, so N input frames
// give ceil(N*ar/in_rate) output frames: the duration is kept to within one
// output sample. The arithmetic is integer, so the output is the same on
// every machine.
func audio(ctx context.Context, req transformer.Request, r io.Reader, w io.Writer) error {
	const name = "audio"
	a, err := parseArgs(name, req.Args, audioArgs)
	if err != nil {
		return err
	}
	for _, k := range []string{"ac", "ar"} {
		if !a.has(k) {
			if v := os.Getenv(envName(k)); v != "" {
				a.kv[k] = v
			}
		}
	}
	outCh, err := a.intIn("ac", 0, 1, audioMaxChannels)
	if err != nil {
		return err
	}
	outRate, err := a.intIn("ar", 0, 1, audioMaxRate)
	if err != nil {
		return err
	}
	wr, err := newWAVReader(ctxio.Reader(ctx, r))
	if err != nil {
		return audioErr(err)
	}
	if outCh == 0 {
		outCh = min(wr.Format.Channels, audioMaxChannels)
	}
	if outRate == 0 {
		outRate = min(wr.Format.SampleRate, audioMaxRate)
	}
	conv := &audioConverter{src: wr, inCh: wr.Format.Channels, outCh: outCh, inRate: int64(wr.Format.SampleRate), outRate: int64(outRate)}
	dataSize := int64(-1)
	if wr.Frames >= 0 {
		dataSize = conv.outFrames(wr.Frames) * int64(outCh) * 2
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := writeWAVHeader(bw, outCh, outRate, dataSize); err != nil {
		return audioErr(err)
	}
	if err := conv.run(bw); err != nil {
		return audioErr(err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("%s: write: %w", name, err)
	}
	return nil
}

// audioErr classifies an error of the WAV reader: a 422 if the WAV is bad,
// else a failure to read or write.
func audioErr(err error) error {
	if errors.Is(err, errBadWAV) {
		return inputError("audio", err)
	}
	return fmt.Errorf("audio: %w", err)
}

// envName maps an audio arg to the environment variable of AIStore's
// FFmpeg example that gives its default.
func envName(arg string) string {
	if arg == "ac" {
		return "AC"
	}
	return "AR"
}

// audioConverter streams frames from src, re-mixed to outCh channels and
// resampled from inRate to outRate, to 16-bit little-endian samples.
type audioConverter struct {
	src             *wavReader
	inCh, outCh     int
	inRate, outRate int64

	raw   []int32 // a block of decoded input frames, inCh per frame
	rawN  int     // frames in raw
	rawAt int     // next frame of raw to mix
	seen  int64   // input frames mixed so far
	eof   bool
}

// outFrames returns the number of output frames for n input frames:
// ceil(n * outRate / inRate), the frames j with j*inRate/outRate < n.
func (c *audioConverter) outFrames(n int64) int64 {
	return (n*c.outRate + c.inRate - 1) / c.inRate
}

// next mixes the next input frame into dst (outCh samples); false at the end.
func (c *audioConverter) next(dst []int64) (bool, error) {
	if c.rawAt == c.rawN {
		if c.eof {
			return false, nil
		}
		if c.raw == nil {
			c.raw = make([]int32, 4096*c.inCh)
		}
		n, err := c.src.ReadFrames(c.raw)
		if errors.Is(err, io.EOF) {
			c.eof = true
			return false, nil
		}
		if err != nil {
			return false, err
		}
		c.rawN, c.rawAt = n, 0
	}
	in := c.raw[c.rawAt*c.inCh : (c.rawAt+1)*c.inCh]
	c.rawAt++
	c.seen++
	mixFrame(dst, in)
	return true, nil
}

// mixFrame maps one input frame to len(dst) output channels (see audio).
func mixFrame(dst []int64, in []int32) {
	inCh, outCh := len(in), len(dst)
	switch {
	case inCh == outCh:
		for i, s := range in {
			dst[i] = int64(s)
		}
	case outCh < inCh:
		for c := range dst {
			var sum, n int64
			for i := c; i < inCh; i += outCh {
				sum += int64(in[i])
				n++
			}
			dst[c] = sum / n
		}
	default:
		for c := range dst {
			dst[c] = int64(in[c%inCh])
		}
	}
}

// run writes every output frame to w. Output frame j sits at input position
// j*inRate/outRate: it interpolates the input frames on either side of it
// (the last frame stands alone), and exists if the frame before it does.
func (c *audioConverter) run(w io.Writer) error {
	cur := make([]int64, c.outCh) // input frame number at
	nxt := make([]int64, c.outCh) // input frame number at+1, if haveNxt
	ok, err := c.next(cur)
	if err != nil || !ok {
		return err // no input frames: no output frames
	}
	haveNxt, err := c.next(nxt)
	if err != nil {
		return err
	}
	var at int64
	out := make([]byte, 0, 64<<10)
	flush := func() error {
		if _, err := w.Write(out); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		out = out[:0]
		return nil
	}
	for j := int64(0); ; j++ {
		pos := j * c.inRate // input position times outRate
		idx, frac := pos/c.outRate, pos%c.outRate
		for at < idx && haveNxt {
			cur, nxt = nxt, cur
			at++
			if haveNxt, err = c.next(nxt); err != nil {
				return err
			}
		}
		if at < idx {
			return flush() // input exhausted: frame j is past its end
		}
		if len(out)+2*c.outCh > cap(out) {
			if err := flush(); err != nil {
				return err
			}
		}
		interpolate := frac != 0 && haveNxt && at == idx
		for ch := range c.outCh {
			v := cur[ch]
			if interpolate {
				v = (cur[ch]*(c.outRate-frac) + nxt[ch]*frac) / c.outRate
			}
			out = binary.LittleEndian.AppendUint16(out, uint16(to16(v)))
		}
	}
}

// to16 rounds a full-scale 32-bit sample to 16 bits, clipping.
func to16(v int64) int16 {
	v = (v + 1<<15) >> 16
	return int16(max(math.MinInt16, min(math.MaxInt16, v)))
}
