package transformer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/countio"
)

// delivery is where a result went: a destination target (direct put, n
// bytes) or the next transformer of a pipeline (its answer, to relay).
type delivery struct {
	n    int64
	resp *http.Response // the next transformer's answer; nil for a direct put
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// writeHTTP answers: 204 + Ais-Direct-Put-Length for a direct put, the next
// transformer's answer (status, length and retry headers, body) otherwise.
// duplex, when not nil, is called before a relayed answer (see fullDuplex).
func (d *delivery) writeHTTP(w http.ResponseWriter, duplex func() func()) {
	if d.resp == nil {
		w.Header().Set(api.HdrDirectPutLength, itoa(d.n))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	defer d.resp.Body.Close()
	for _, h := range []string{api.HdrDirectPutLength, api.HdrETLRetryReason, "Content-Type", "Content-Length"} {
		if v := d.resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	drain := func() {}
	if _, streamed := d.resp.Body.(*relayBody); streamed && duplex != nil {
		drain = duplex()
	}
	w.WriteHeader(d.resp.StatusCode)
	if _, err := io.Copy(w, d.resp.Body); err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = d.resp.Body.Close() // stops the transform feeding the answer
	drain()
}

// hop is one parsed entry of Ais-Node-Url (or the ws pipeline).
type hop struct {
	u      *url.URL
	direct bool // a destination target (the URL has a path)
}

func parseHop(s string) (hop, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return hop{}, errStatus(http.StatusBadRequest, "%s entry %q is not an http(s) URL", api.HdrNodeURL, s)
	}
	return hop{u: u, direct: u.Path != "" && u.Path != "/"}, nil
}

// directPutURL composes where a direct put goes: scheme and host of the
// destination URL + the path of AIS_TARGET_URL + the destination's path and
// query, e.g. http://dst/v1/etl/_object/<etl>/<secret>/<escaped uname>?uuid=<job>.
func (s *Server) directPutURL(dst *url.URL) (string, error) {
	if s.cfg.TargetURL == "" {
		return "", errStatus(http.StatusInternalServerError, "direct put to %s needs env %s", dst.Host, api.EnvTargetURL)
	}
	tu, err := url.Parse(s.cfg.TargetURL)
	if err != nil {
		return "", errStatus(http.StatusInternalServerError, "env %s: %v", api.EnvTargetURL, err)
	}
	u := dst.Scheme + "://" + dst.Host + strings.TrimRight(tu.EscapedPath(), "/") + dst.EscapedPath()
	if dst.RawQuery != "" {
		u += "?" + dst.RawQuery
	}
	return u, nil
}

// deliver transforms src and PUTs the result to hops[0]: a destination
// target (direct put) or the next transformer, which gets the object's
// escaped path and the rest of the list in Ais-Node-Url. etl_args are not
// forwarded (as AIStore's frameworks do). The result streams through (the
// PUT is chunked); a transform that fails before its first byte is reported
// without contacting the hop.
func (s *Server) deliver(ctx context.Context, req Request, escPath string, src io.Reader, hops []string) (*delivery, error) {
	h, err := parseHop(hops[0])
	if err != nil {
		return nil, err
	}
	var target string
	if h.direct {
		if target, err = s.directPutURL(h.u); err != nil {
			return nil, err
		}
	} else {
		if !strings.HasPrefix(escPath, "/") {
			escPath = "/" + escPath
		}
		target = strings.TrimRight(h.u.Scheme+"://"+h.u.Host+h.u.EscapedPath(), "/") + escPath
	}
	j, first, complete, err := s.startPeeked(ctx, req, src, make([]byte, peekSize))
	if err != nil {
		return nil, err
	}
	body := &countio.Reader{R: io.MultiReader(bytes.NewReader(first), j.out)}
	preq, err := http.NewRequestWithContext(ctx, http.MethodPut, target, body)
	if err != nil {
		j.stop()
		return nil, errStatus(http.StatusBadRequest, "put result to %s: %v", target, err)
	}
	preq.ContentLength = -1 // chunked: the result streams through
	if complete {
		preq.ContentLength = int64(len(first))
		if len(first) == 0 {
			preq.Body = http.NoBody
		}
	}
	preq.Header.Set("Content-Type", "application/octet-stream")
	if len(hops) > 1 {
		preq.Header.Set(api.HdrNodeURL, strings.Join(hops[1:], api.WSPipelineSep))
	}
	resp, derr := s.client.Do(preq)
	if derr == nil && !h.direct && resp.StatusCode >= 200 && resp.StatusCode < 300 && resp.StatusCode != http.StatusNoContent {
		// The next transformer streams its answer while it still reads
		// ours: keep this transform running until the answer is relayed.
		resp.Body = &relayBody{ReadCloser: resp.Body, j: j}
		return &delivery{n: -1, resp: resp}, nil
	}
	terr := j.stop() // the transform's own failure, if any, is the cause
	if terr != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, terr
	}
	if derr != nil {
		if ctx.Err() != nil && errors.Is(derr, ctx.Err()) {
			return nil, errStatus(http.StatusGatewayTimeout, "put result to %s: %v", h.u.Host, ctx.Err())
		}
		if h.direct {
			return nil, &transientError{err: errStatus(http.StatusServiceUnavailable, "direct put to %s: %v", h.u.Host, derr)}
		}
		return nil, errStatus(http.StatusBadGateway, "pipeline: next transformer %s: %v", h.u.Host, derr)
	}
	if !h.direct {
		return &delivery{n: body.N, resp: resp}, nil
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		err := errStatus(resp.StatusCode, "direct put to %s: %s: %s", h.u.Host, resp.Status, strings.TrimSpace(string(b)))
		if resp.StatusCode >= 500 {
			return nil, &transientError{err: err}
		}
		if resp.StatusCode < 400 {
			err = errStatus(http.StatusBadGateway, "direct put to %s: unexpected %s", h.u.Host, resp.Status)
		}
		return nil, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return &delivery{n: body.N}, nil
}

// relayBody is the next transformer's streamed answer; the transform that
// feeds it runs until the answer ends: at EOF its error (if any) is the
// answer's, and Close stops it.
type relayBody struct {
	io.ReadCloser
	j *job
}

func (b *relayBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		if terr := b.j.stop(); terr != nil {
			return n, terr
		}
	}
	return n, err
}

func (b *relayBody) Close() error {
	_ = b.j.stop()
	return b.ReadCloser.Close()
}
