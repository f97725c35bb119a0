package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Client talks to an etlcore (or AIStore) proxy.
type Client struct {
	// Base is the proxy URL, e.g. http://127.0.0.1:8080.
	Base string
	// HTTP is the client used; it follows redirects (proxy -> target).
	HTTP *http.Client
	// Token, when set, is sent as a bearer token to the control API.
	Token string
	// Dial, when set, dials httpconn.Conn's connections (HTTP's transport
	// has its own DialContext).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// NewClient returns a client of the proxy at base with a pooled transport.
func NewClient(base string) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 1024
	tr.MaxIdleConnsPerHost = 256
	return &Client{Base: strings.TrimRight(base, "/"), HTTP: &http.Client{Transport: tr}}
}

// ObjPath returns the escaped /v1/objects/<bck>/<obj> path.
func ObjPath(bck, obj string) string {
	return PathObjects + url.PathEscape(bck) + "/" + EscapeObjName(obj)
}

// EscapeObjName escapes an object name segment by segment, keeping '/'.
func EscapeObjName(obj string) string {
	segs := strings.Split(obj, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// Do sends a request and returns the response if its status is < 400;
// otherwise it reads the body and returns an *HTTPError.
func (c *Client) Do(ctx context.Context, method, path string, q url.Values, body io.Reader, hdr http.Header) (*http.Response, error) {
	u := c.Base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("api: new request %s %s: %w", method, u, err)
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if c.Token != "" {
		req.Header.Set(HdrAuthorization, "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("api: %s %s: %w", method, u, err)
	}
	if resp.StatusCode >= 400 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		return nil, DecodeErr(resp, b)
	}
	return resp, nil
}

// getJSON GETs path (with in, if non-nil, as the JSON body) and decodes
// the answer as a T.
func getJSON[T any](ctx context.Context, c *Client, path string, in any) (*T, error) {
	var out T
	if err := c.doJSON(ctx, http.MethodGet, path, nil, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// doJSON sends in (if non-nil) as JSON and decodes the answer into out (if non-nil).
func (c *Client) doJSON(ctx context.Context, method, path string, q url.Values, in, out any) error {
	var body io.Reader
	var hdr http.Header
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("api: encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
		hdr = http.Header{"Content-Type": {"application/json"}}
	}
	resp, err := c.Do(ctx, method, path, q, body, hdr)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("api: decode %s %s: %w", method, path, err)
	}
	return nil
}

// doText sends in as JSON and returns the plain-text answer (job ids).
func (c *Client) doText(ctx context.Context, method, path string, q url.Values, in any, raw []byte) (string, error) {
	var body io.Reader
	if raw != nil {
		body = bytes.NewReader(raw)
	} else if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return "", fmt.Errorf("api: encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	resp, err := c.Do(ctx, method, path, q, body, nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("api: read %s %s: %w", method, path, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func actMsg(action string, value any) (ActMsg, error) {
	m := ActMsg{Action: action}
	if value != nil {
		b, err := json.Marshal(value)
		if err != nil {
			return m, fmt.Errorf("api: encode %s value: %w", action, err)
		}
		m.Value = b
	}
	return m, nil
}

// CreateBucket creates bucket bck.
func (c *Client) CreateBucket(ctx context.Context, bck string) error {
	return c.doJSON(ctx, http.MethodPost, PathBuckets+url.PathEscape(bck), nil, ActMsg{Action: ActCreateBck}, nil)
}

// DestroyBucket destroys bucket bck and all its objects.
func (c *Client) DestroyBucket(ctx context.Context, bck string) error {
	return c.doJSON(ctx, http.MethodDelete, PathBuckets+url.PathEscape(bck), nil, ActMsg{Action: ActDestroyBck}, nil)
}

// ListBuckets returns the names of the cluster's buckets, sorted. The
// answer is AIStore's list of buckets ({"name","provider",...}) or a
// list of names.
func (c *Client) ListBuckets(ctx context.Context) ([]string, error) {
	var raw []json.RawMessage
	if err := c.doJSON(ctx, http.MethodGet, PathBucketList, nil, ActMsg{Action: ActList}, &raw); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(raw))
	for _, r := range raw {
		var name string
		if json.Unmarshal(r, &name) != nil {
			var b struct {
				Name string `json:"name"`
			}
			if err := json.Unmarshal(r, &b); err != nil || b.Name == "" {
				return nil, fmt.Errorf("api: list buckets: %s is neither a name nor a bucket", r)
			}
			name = b.Name
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

// HeadBucket reports whether bucket bck exists.
func (c *Client) HeadBucket(ctx context.Context, bck string) (bool, error) {
	resp, err := c.Do(ctx, http.MethodHead, PathBuckets+url.PathEscape(bck), nil, nil, nil)
	if err != nil {
		if IsNotFound(err) {
			return false, nil
		}
		return false, err
	}
	resp.Body.Close()
	return true, nil
}

// ListObjects returns one page of the objects of bck.
func (c *Client) ListObjects(ctx context.Context, bck string, msg ListMsg) (*ListResult, error) {
	am, err := actMsg(ActList, msg)
	if err != nil {
		return nil, err
	}
	return getJSON[ListResult](ctx, c, PathBuckets+url.PathEscape(bck), am)
}

// ListAll returns every object of bck whose name starts with prefix.
func (c *Client) ListAll(ctx context.Context, bck, prefix string) ([]ListEntry, error) {
	var all []ListEntry
	msg := ListMsg{Prefix: prefix, Props: "name,size"}
	for {
		page, err := c.ListObjects(ctx, bck, msg)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Entries...)
		if page.ContinuationToken == "" {
			return all, nil
		}
		msg.ContinuationToken, msg.UUID = page.ContinuationToken, page.UUID
	}
}

// PutObject stores the size bytes of r as bck/obj (size < 0: unknown,
// chunked). A replayable body (*bytes.Reader, *strings.Reader,
// *bytes.Buffer) follows the proxy's redirect to the owner; any other
// stream asks the proxy where the owner is first, so it is sent once.
func (c *Client) PutObject(ctx context.Context, bck, obj string, r io.Reader, size int64) error {
	u := c.Base + ObjPath(bck, obj)
	switch r.(type) {
	case *bytes.Reader, *strings.Reader, *bytes.Buffer:
	default:
		if size != 0 {
			loc, err := c.ownerURL(ctx, bck, obj)
			if err != nil {
				return err
			}
			u = loc
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, r)
	if err != nil {
		return fmt.Errorf("api: new request PUT %s: %w", u, err)
	}
	return c.doPut(req, bck, obj, size)
}

// ExpectContinueMin is the body size above which a PUT to the proxy asks
// first (Expect: 100-continue). A Go server reads and drops at most 256 KiB
// of a body its handler did not read and closes the connection beyond
// that, which a client still writing the body may see as a broken pipe
// instead of the proxy's redirect.
const ExpectContinueMin = 256 << 10

// doPut sends a prepared object PUT and reads its answer.
func (c *Client) doPut(req *http.Request, bck, obj string, size int64) error {
	req.ContentLength = size
	if size == 0 {
		req.Body, req.GetBody = http.NoBody, func() (io.ReadCloser, error) { return http.NoBody, nil }
	}
	if c.Token != "" {
		req.Header.Set(HdrAuthorization, "Bearer "+c.Token)
	}
	if req.GetBody != nil {
		// An object PUT of a body that can be sent again is idempotent:
		// this header lets the transport resend it when a kept-alive
		// connection turns out closed by the server as the request went
		// out (net/http retries only such requests).
		req.Header.Set("Idempotency-Key", url.PathEscape(bck+"/"+obj))
	}
	if (size < 0 || size > ExpectContinueMin) && strings.HasPrefix(req.URL.String(), c.Base+"/") {
		// The proxy answers with a redirect without reading the body: ask
		// first, so that no byte of a large body goes to the proxy and the
		// redirect is never lost to a broken pipe.
		req.Header.Set("Expect", "100-continue")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("api: PUT %s/%s: %w", bck, obj, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return DecodeErr(resp, b)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return nil
}

// ownerURL asks the proxy where bck/obj lives: the Location of its 307
// for a HEAD of the object (the object need not exist yet).
func (c *Client) ownerURL(ctx context.Context, bck, obj string) (string, error) {
	u := c.Base + ObjPath(bck, obj)
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
	if err != nil {
		return "", fmt.Errorf("api: new request HEAD %s: %w", u, err)
	}
	resp, err := c.noRedirect().Do(req)
	if err != nil {
		return "", fmt.Errorf("api: HEAD %s: %w", u, err)
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusTemporaryRedirect || resp.StatusCode == http.StatusPermanentRedirect:
		loc, err := resp.Location()
		if err != nil {
			return "", fmt.Errorf("api: HEAD %s: redirect without location: %w", u, err)
		}
		return loc.String(), nil
	case resp.StatusCode >= 400 && resp.StatusCode != http.StatusNotFound:
		return "", &HTTPError{Status: resp.StatusCode, Method: http.MethodHead, URL: u, Message: "cannot locate the object's owner"}
	case resp.StatusCode == http.StatusNotFound:
		return "", &HTTPError{Status: resp.StatusCode, Method: http.MethodHead, URL: u, Message: fmt.Sprintf("bucket %q does not exist", bck)}
	}
	return u, nil // a target (or AIStore proxy that serves directly)
}

// noRedirect returns a client sharing c's transport that does not follow redirects.
func (c *Client) noRedirect() *http.Client {
	return &http.Client{
		Transport:     c.HTTP.Transport,
		Timeout:       c.HTTP.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// GetOpts are the options of GetObject.
type GetOpts struct {
	ETLName  string   // inline transform with this ETL
	ETLArgs  string   // its arguments
	Pipeline []string // further ETLs, in order
	Range    string   // an HTTP Range header value, e.g. "bytes=0-99"
}

// Query returns the query parameters of o.
func (o GetOpts) Query() url.Values {
	q := url.Values{}
	if o.ETLName != "" {
		q.Set(QparamETLName, o.ETLName)
	}
	if o.ETLArgs != "" {
		q.Set(QparamETLArgs, o.ETLArgs)
	}
	if len(o.Pipeline) > 0 {
		q.Set(QparamETLPipeline, strings.Join(o.Pipeline, ","))
	}
	return q
}

// GetObject returns the body of bck/obj (transformed when opts say so).
// The caller closes it.
func (c *Client) GetObject(ctx context.Context, bck, obj string, opts GetOpts) (*http.Response, error) {
	var hdr http.Header
	if opts.Range != "" {
		hdr = http.Header{"Range": {opts.Range}}
	}
	return c.Do(ctx, http.MethodGet, ObjPath(bck, obj), opts.Query(), nil, hdr)
}

// GetObjectBytes reads the whole (possibly transformed) object.
func (c *Client) GetObjectBytes(ctx context.Context, bck, obj string, opts GetOpts) ([]byte, error) {
	resp, err := c.GetObject(ctx, bck, obj, opts)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("api: read %s/%s: %w", bck, obj, err)
	}
	return b, nil
}

// ObjAttrs are the attributes HEAD returns.
type ObjAttrs struct {
	Size     int64
	Checksum string
}

// HeadObject returns the size and checksum of bck/obj.
func (c *Client) HeadObject(ctx context.Context, bck, obj string) (ObjAttrs, error) {
	resp, err := c.Do(ctx, http.MethodHead, ObjPath(bck, obj), nil, nil, nil)
	if err != nil {
		return ObjAttrs{}, err
	}
	resp.Body.Close()
	size, _ := strconv.ParseInt(resp.Header.Get(HdrObjSize), 10, 64)
	if size == 0 && resp.ContentLength > 0 {
		size = resp.ContentLength
	}
	return ObjAttrs{Size: size, Checksum: resp.Header.Get(HdrChecksumValue)}, nil
}

// DeleteObject deletes bck/obj.
func (c *Client) DeleteObject(ctx context.Context, bck, obj string) error {
	return c.doJSON(ctx, http.MethodDelete, ObjPath(bck, obj), nil, nil, nil)
}

// TransformCopy transforms bck/obj with etl (and args) into dstBck/dstObj
// (obj when dstObj is empty, as in AIStore), synchronously: a PUT on the
// source object with TransformCopyQuery, no body, what AIStore's
// api.TransformObject sends.
func (c *Client) TransformCopy(ctx context.Context, bck, obj, dstBck, dstObj, etl, args string) error {
	if dstObj == "" {
		dstObj = obj
	}
	return c.doJSON(ctx, http.MethodPut, ObjPath(bck, obj), TransformCopyQuery(dstBck, dstObj, etl, args), nil, nil)
}

// TransformCopyQuery is the query of a transform-copy into dstBck/dstObj
// as AIStore's client builds it: provider=ais (the source bucket's), the
// destination as AIStore's object uname, object_to=ais/@#/DST/OBJ (its
// target refuses a bare DST/OBJ: "bucket name is missing"), etl_name, and
// etl_args when there are any. The args go as they are, which is what the
// transformer then sees from AIStore's target and from etlcore's (AIStore's
// Go API JSON-encodes its args of any type here, so a string would reach
// the transformer quoted). With etl empty it is AIStore's plain object copy.
func TransformCopyQuery(dstBck, dstObj, etl, args string) url.Values {
	q := url.Values{QparamProvider: {Provider}, QparamObjectTo: {AisBucketUname(dstBck) + dstObj}}
	if etl != "" {
		q.Set(QparamETLName, etl)
	}
	if args != "" {
		q.Set(QparamETLArgs, args)
	}
	return q
}

// ETLInit starts an ETL from a spec (JSON or YAML) and returns its job id.
func (c *Client) ETLInit(ctx context.Context, spec []byte) (string, error) {
	return c.doText(ctx, http.MethodPut, PathETL, nil, nil, spec)
}

// ETLList lists the ETLs.
func (c *Client) ETLList(ctx context.Context) ([]ETLInfo, error) {
	var out []ETLInfo
	err := c.doJSON(ctx, http.MethodGet, PathETL, nil, nil, &out)
	return out, err
}

// ETLDetails is the answer of GET /v1/etl/<name>.
type ETLDetails struct {
	Info    ETLInfo            `json:"info"`
	Spec    json.RawMessage    `json:"spec"`
	Targets map[string]ETLInfo `json:"targets,omitempty"`
	ObjErrs []ObjErr           `json:"obj_errs,omitempty"`
	Extra   map[string]string  `json:"extra,omitempty"`
}

// ETLShow returns the details of ETL name.
func (c *Client) ETLShow(ctx context.Context, name string) (*ETLDetails, error) {
	return getJSON[ETLDetails](ctx, c, PathETL+"/"+url.PathEscape(name), nil)
}

// ETLStop stops ETL name (-> Aborted).
func (c *Client) ETLStop(ctx context.Context, name string) error {
	return c.doJSON(ctx, http.MethodPost, PathETL+"/"+url.PathEscape(name)+"/stop", nil, nil, nil)
}

// ETLStart restarts an Aborted ETL.
func (c *Client) ETLStart(ctx context.Context, name string) error {
	return c.doJSON(ctx, http.MethodPost, PathETL+"/"+url.PathEscape(name)+"/start", nil, nil, nil)
}

// ETLDelete stops and removes ETL name.
func (c *Client) ETLDelete(ctx context.Context, name string) error {
	return c.doJSON(ctx, http.MethodDelete, PathETL+"/"+url.PathEscape(name), nil, nil, nil)
}

// ETLGetRaw GETs /v1/etl/<name>/<what> (logs, health, metrics) and returns the body.
func (c *Client) ETLGetRaw(ctx context.Context, name, what string) ([]byte, error) {
	resp, err := c.Do(ctx, http.MethodGet, PathETL+"/"+url.PathEscape(name)+"/"+what, nil, nil, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
