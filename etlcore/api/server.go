package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxMsgBody is the largest control message body a node reads.
const maxMsgBody = 4 << 20

// SplitBckObj splits the part of an (unescaped) URL path after prefix into
// a bucket and an object name; obj is "" when the path names only a bucket.
func SplitBckObj(path, prefix string) (bck, obj string) {
	rest := strings.TrimPrefix(path, prefix)
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[:i], rest[i+1:]
	}
	return rest, ""
}

// ReadJSON decodes a request body of at most 4 MiB into v; an empty body
// leaves v alone and returns false.
func ReadJSON(r *http.Request, v any) (bool, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxMsgBody+1))
	if err != nil {
		return false, fmt.Errorf("read request body: %w", err)
	}
	if len(b) > maxMsgBody {
		return false, fmt.Errorf("request body is larger than %d bytes", maxMsgBody)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return false, nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("malformed JSON body: %w", err)
	}
	return true, nil
}

// ReadActMsg decodes an ActMsg body; an empty body gives an empty message.
func ReadActMsg(r *http.Request) (*ActMsg, error) {
	var m ActMsg
	if _, err := ReadJSON(r, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// ReadActMsgOr400 decodes an ActMsg body like ReadActMsg; a bad body is
// answered 400 naming the problem, and ok is false.
func ReadActMsgOr400(w http.ResponseWriter, r *http.Request) (msg *ActMsg, ok bool) {
	msg, err := ReadActMsg(r)
	if err != nil {
		WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return nil, false
	}
	return msg, true
}

// DecodeValue decodes an ActMsg's value into v, naming the action on error.
func (m *ActMsg) DecodeValue(v any) error {
	if len(m.Value) == 0 || string(m.Value) == "null" {
		return nil
	}
	if err := json.Unmarshal(m.Value, v); err != nil {
		return fmt.Errorf("action %q: malformed value: %w", m.Action, err)
	}
	return nil
}

// CheckToken reports whether r carries the bearer token (always true when
// token is empty).
func CheckToken(r *http.Request, token string) bool {
	if token == "" {
		return true
	}
	return r.Header.Get(HdrAuthorization) == "Bearer "+token
}

// MaxDrain bounds the request body a server reads and drops before it
// answers a PUT without using all of it (DrainBody).
const MaxDrain = 64 << 20

// DrainBody reads and drops what is left of r's body, up to MaxDrain, so
// that an answer given before the whole body was read (a redirect, an
// error such as a full disk) reaches a client still sending it: a Go
// server closes the connection when more than 256 KiB are left unread,
// and such a client sees a broken pipe instead of the answer. Reading the
// body of a request that asked first (Expect: 100-continue) tells the
// client to send it: do not drain one that was never read.
func DrainBody(r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 || r.ContentLength > MaxDrain {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, MaxDrain))
}
