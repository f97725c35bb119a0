package etl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// ObjRequest is one object to send through a transformer.
type ObjRequest struct {
	// Bck and ObjName name the object: hpush sends PUT /<bck>/<obj>, hpull
	// GET /<escaped uname>, ws the object name in the control message.
	Bck, ObjName string
	// FQN, when set, is the object's local file: the transformer reads it
	// (etl_fqn) and no bytes are sent.
	FQN string
	// Body is the object's bytes when FQN == "" (hpush, ws; hpull without
	// FQN makes the transformer pull the object from AIS_TARGET_URL and
	// ignores Body). The communicator may read Body until Do fails or the
	// result's Body is closed; it never closes Body. An io.Seeker Body can
	// be replayed (503 direct-put-transient).
	Body io.Reader
	// Size is the length of Body, -1 when unknown.
	Size int64
	// Args is etl_args, passed verbatim.
	Args string
	// NodeURLs is the Ais-Node-Url list (ws: the pipeline field): a
	// direct-put destination URL (with a path) and/or next transformers
	// (without a path).
	NodeURLs []string
}

// ObjResult is a transformer's answer for one object.
type ObjResult struct {
	// Body is the transformed bytes; nil when delivered by direct put. The
	// caller must close it; obj_timeout keeps running until it is closed.
	Body io.ReadCloser
	// Size is the length of Body, -1 when unknown.
	Size int64
	// DirectPutLength is the length the transformer reports having
	// delivered by direct put; -1 when it did not say.
	DirectPutLength int64
	// DirectPut is true when the result was delivered by direct put (or
	// down the pipeline): hpush/hpull 204, a ws text frame.
	DirectPut bool
}

// Communicator sends objects through one transformer.
type Communicator interface {
	// Do sends one object and returns the transformer's answer. Errors are
	// *ObjError (see the classes), or the ctx's error when ctx ends first.
	Do(ctx context.Context, req *ObjRequest) (*ObjResult, error)
	// Close releases the communicator's connections; in-flight requests fail.
	Close() error
}

// Connector is implemented by the communicators: Connect checks (hpush,
// hpull) or opens (ws: the whole pool) the connection to the transformer,
// as the last step of init.
type Connector interface {
	Connect(ctx context.Context) error
}

// CommOpts configure a communicator.
type CommOpts struct {
	// ObjTimeout bounds one object, from Do until its result is read to
	// the end (0: DefaultObjTimeout; < 0: none).
	ObjTimeout time.Duration
	// WSConns is how many ws connections the pool opens at Connect
	// (default DefaultWSConns).
	WSConns int
	// WSMaxConns bounds the ws pool, which grows on demand: each connection
	// carries one object at a time (default DefaultWSMaxConns; at least
	// WSConns).
	WSMaxConns int
	// HTTPClient is used for hpush and hpull (and the ws handshake); nil
	// gives a pooled client that does not follow redirects.
	HTTPClient *http.Client
	// DialContext, when set, dials the connections of that default client
	// (a node counts their bytes).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

// DefaultWSConns is the default number of ws connections a communicator
// opens at Connect.
const DefaultWSConns = 4

// DefaultWSMaxConns is the default bound of a ws communicator's pool: as
// many objects as may be in flight to one transformer at once.
const DefaultWSMaxConns = 64

// maxErrBody bounds how much of an error answer is kept as its message.
const maxErrBody = 16 << 10

// NewCommunicator returns the communicator for comm ("hpush://",
// "hpull://", "ws://", or the bare forms) to the transformer at
// transformerURL (e.g. http://127.0.0.1:41234).
func NewCommunicator(comm, transformerURL string, opts CommOpts) (Communicator, error) {
	u, err := url.Parse(transformerURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("etl communicator: transformer URL %q: want http://host:port", transformerURL)
	}
	base := strings.TrimRight(transformerURL, "/")
	switch opts.ObjTimeout {
	case 0:
		opts.ObjTimeout = DefaultObjTimeout
	default:
		if opts.ObjTimeout < 0 {
			opts.ObjTimeout = 0 // none
		}
	}
	if opts.WSConns <= 0 {
		opts.WSConns = DefaultWSConns
	}
	if opts.WSMaxConns <= 0 {
		opts.WSMaxConns = DefaultWSMaxConns
	}
	opts.WSMaxConns = max(opts.WSMaxConns, opts.WSConns)
	var raw *rawPool
	if opts.HTTPClient == nil {
		opts.HTTPClient = newTransformerClient(opts.DialContext)
		if u.Scheme == "http" {
			raw = newRawPool(hostPort(u), opts.DialContext)
		}
	}
	switch canonicalComm(comm) {
	case api.CommHPUSH:
		return &httpComm{push: true, base: base, opts: opts, raw: raw}, nil
	case api.CommHPULL:
		return &httpComm{push: false, base: base, opts: opts, raw: raw}, nil
	case api.CommWS:
		return newWSComm(base, opts), nil
	}
	return nil, fmt.Errorf("etl communicator: unknown communication %q: want hpush://, hpull:// or ws://", comm)
}

// canonicalComm maps "hpush", "hpush://" and "" to "hpush://" (and so on);
// anything else to "".
func canonicalComm(comm string) string {
	c := strings.ToLower(strings.TrimSpace(comm))
	c = strings.TrimSuffix(c, "://")
	switch c {
	case "", "hpush":
		return api.CommHPUSH
	case "hpull":
		return api.CommHPULL
	case "ws":
		return api.CommWS
	}
	return ""
}

// newTransformerClient returns an HTTP client for loopback transformers:
// pooled keep-alive connections (one communicator, so one pool, per
// transformer, keeping as many idle as the target's requests in flight to
// it), no transparent decompression, no redirects, and a read buffer that
// takes a small result with its header in one read. (No request asks for
// 100-continue: hpush sends the object's file name, not its bytes.)
func newTransformerClient(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if dial != nil {
		tr.DialContext = dial
	}
	tr.MaxIdleConns = 512
	tr.MaxIdleConnsPerHost = 128
	tr.DisableCompression = true
	tr.Proxy = nil
	tr.ReadBufferSize = 64 << 10
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Uname returns AIStore's unique name of an ais object: "ais/@#/<bck>/<obj>".
func Uname(bck, obj string) string {
	return api.Provider + "/@#/" + bck + "/" + obj
}

// ParseUname parses an object's name as a transformer sends it back to its
// target (hpull, direct put): the uname "ais/@#/<bck>/<obj>", raw or
// path-escaped as a whole ("ais%2F@%23%2F<bck>%2F<obj>"), or a plain
// "<bck>/<obj>". A leading '/' is ignored.
func ParseUname(s string) (bck, obj string, err error) {
	orig := s
	s = strings.TrimPrefix(s, "/")
	if low := strings.ToLower(s); strings.HasPrefix(low, "ais%2f") {
		if s, err = url.PathUnescape(s); err != nil {
			return "", "", fmt.Errorf("etl: object name %q: %w", orig, err)
		}
	}
	first, rest, ok := strings.Cut(s, "/")
	if !ok {
		return "", "", fmt.Errorf("etl: object name %q: want ais/@#/<bucket>/<object> or <bucket>/<object>", orig)
	}
	if strings.HasPrefix(rest, "@") { // <provider>/@<ns>/<bck>/<obj>
		if first != api.Provider {
			return "", "", fmt.Errorf("etl: object name %q: provider %q: only %q buckets exist", orig, first, api.Provider)
		}
		ns, r, ok := strings.Cut(rest, "/")
		if !ok {
			return "", "", fmt.Errorf("etl: object name %q: no bucket after the namespace", orig)
		}
		if ns != "@#" {
			return "", "", fmt.Errorf("etl: object name %q: namespace %q: only the global namespace (@#) exists", orig, ns)
		}
		if first, rest, ok = strings.Cut(r, "/"); !ok {
			return "", "", fmt.Errorf("etl: object name %q: want ais/@#/<bucket>/<object>", orig)
		}
	}
	if first == "" || rest == "" {
		return "", "", fmt.Errorf("etl: object name %q: empty bucket or object", orig)
	}
	return first, rest, nil
}

// HPullRedirectURL returns the Location of an inline hpull 307, also the
// URL a target GETs offline: <transformer>/<escaped uname>?etl_args=..&etl_fqn=..
// (the uname path-escaped as one segment, the fqn path-escaped, as AIStore).
func HPullRedirectURL(transformerURL, bck, obj, fqn, args string) string {
	u := strings.TrimRight(transformerURL, "/") + "/" + url.PathEscape(Uname(bck, obj))
	if q := etlQuery(fqn, args); q != "" {
		u += "?" + q
	}
	return u
}

// hpushURL returns <transformer>/<bck>/<escaped obj>?etl_args=..&etl_fqn=..
func hpushURL(base, bck, obj, fqn, args string) string {
	u := base + "/" + url.PathEscape(bck) + "/" + api.EscapeObjName(obj)
	if q := etlQuery(fqn, args); q != "" {
		u += "?" + q
	}
	return u
}

func etlQuery(fqn, args string) string {
	q := url.Values{}
	if args != "" {
		q.Set(api.QparamETLArgs, args)
	}
	if fqn != "" {
		q.Set(api.QparamETLFQN, api.EscapeFQN(fqn))
	}
	return q.Encode()
}

// validateReq checks what every mode needs.
func validateReq(req *ObjRequest) error {
	if req == nil {
		return errors.New("etl: nil object request")
	}
	if req.Bck == "" || req.ObjName == "" {
		return fmt.Errorf("etl: object request %q/%q: empty bucket or object name", req.Bck, req.ObjName)
	}
	if req.FQN != "" && !strings.HasPrefix(req.FQN, "/") {
		return fmt.Errorf("etl: object %s/%s: fqn %q is not an absolute path", req.Bck, req.ObjName, req.FQN)
	}
	return nil
}

// connErr classifies a transport error: timeout when the object's deadline
// (errObjTimeout cause) passed, else the ctx's own error, else connection.
func connErr(ctx context.Context, what string, timeout time.Duration, err error) error {
	if errors.Is(context.Cause(ctx), errObjTimeout) {
		return &ObjError{Class: ClassTimeout, Status: http.StatusGatewayTimeout,
			Msg: fmt.Sprintf("%s: no answer within obj_timeout %v", what, timeout), Err: context.DeadlineExceeded}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", what, context.Cause(ctx))
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &ObjError{Class: ClassTimeout, Msg: what, Err: err}
	}
	return &ObjError{Class: ClassConnection, Msg: what, Err: err}
}

// errObjTimeout is the cause of a context ended by obj_timeout.
var errObjTimeout = errors.New("obj_timeout")

// withObjTimeout returns ctx bounded by the object timeout (none when 0).
func withObjTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, d, errObjTimeout)
}
