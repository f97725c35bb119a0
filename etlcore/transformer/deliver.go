package transformer

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/etlbench/etlbench/etlcore/api"
)

// delivered is where a result went: a destination target (direct put,
// length known) or the next transformer of a pipeline (its answer).
type delivered struct {
	length int64
	resp   *http.Response // the next transformer's answer, to relay
}

// deliverErr is a failed delivery; transient ones may be replayed.
type deliverErr struct {
	transient bool
	err       error
}

func (e *deliverErr) Error() string { return e.err.Error() }
func (e *deliverErr) Unwrap() error { return e.err }

// relay answers the client: 204 + Ais-Direct-Put-Length for a direct put,
// the next transformer's answer otherwise.
func (d *delivered) relay(w http.ResponseWriter) {
	if d.resp == nil {
		w.Header().Set(api.HdrDirectPutLength, strconv.FormatInt(d.length, 10))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	defer d.resp.Body.Close()
	for _, h := range []string{api.HdrDirectPutLength, api.HdrETLRetryReason, "Content-Type", "Content-Length"} {
		if v := d.resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.WriteHeader(d.resp.StatusCode)
	_, _ = io.Copy(w, d.resp.Body)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// deliver transforms src and sends the result to hops[0]: a URL with a
// path is a destination target (direct put to its _object endpoint, with
// this ETL's AIS_TARGET_URL path), one without is the next transformer.
func (s *Server) deliver(ctx context.Context, req Request, objPath string, src io.Reader, hops []string) (*delivered, error) {
	u, err := url.Parse(hops[0])
	if err != nil || u.Host == "" {
		return nil, &httpErr{http.StatusBadRequest, fmt.Errorf("%s %q is not a URL", api.HdrNodeURL, hops[0])}
	}
	out := s.run(ctx, req, src)
	defer out.Close()
	first, perr := peek(out)
	if perr != nil && perr != io.EOF {
		return nil, perr
	}
	body := &countingReader{r: io.MultiReader(strings.NewReader(string(first)), out)}
	if perr == io.EOF {
		body.r = strings.NewReader(string(first))
	}
	var dst string
	var hdr http.Header
	if u.Path != "" && u.Path != "/" {
		tu, err := url.Parse(s.cfg.TargetURL)
		if err != nil || s.cfg.TargetURL == "" {
			return nil, &httpErr{http.StatusBadRequest, fmt.Errorf("direct put needs %s", api.EnvTargetURL)}
		}
		dst = u.Scheme + "://" + u.Host + strings.TrimRight(tu.EscapedPath(), "/") + u.EscapedPath()
		if u.RawQuery != "" {
			dst += "?" + u.RawQuery
		}
	} else {
		if !strings.HasPrefix(objPath, "/") {
			objPath = "/" + objPath
		}
		dst = strings.TrimRight(hops[0], "/") + objPath
		if req.Args != "" {
			dst += "?" + api.QparamETLArgs + "=" + url.QueryEscape(req.Args)
		}
		if len(hops) > 1 {
			hdr = http.Header{api.HdrNodeURL: {strings.Join(hops[1:], api.WSPipelineSep)}}
		}
	}
	preq, err := http.NewRequestWithContext(ctx, http.MethodPut, dst, body)
	if err != nil {
		return nil, &httpErr{http.StatusBadRequest, err}
	}
	for k, v := range hdr {
		preq.Header[k] = v
	}
	resp, err := s.client.Do(preq)
	if err != nil {
		return nil, &deliverErr{transient: true, err: fmt.Errorf("put result to %s: %w", u.Host, err)}
	}
	if hdr != nil || (u.Path == "" || u.Path == "/") {
		return &delivered{resp: resp}, nil
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, &deliverErr{transient: resp.StatusCode >= 500, err: fmt.Errorf("direct put to %s: %d %s", u.Host, resp.StatusCode, strings.TrimSpace(string(b)))}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return &delivered{length: body.n}, nil
}
