package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// ErrBody is the JSON body of every error a node answers: AIStore's shape
// (its clients read message and status and ignore fields they do not
// know), with Class added.
type ErrBody struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
	Method  string `json:"method,omitempty"`
	Path    string `json:"url_path,omitempty"`
	Node    string `json:"node,omitempty"`
	// TCode is AIStore's error type (ErrBckNotFound, ErrUnsupp, ...);
	// etlcore does not send it.
	TCode string `json:"tcode,omitempty"`
	// Class is what kind of failure this is (ErrClassETL, ...), for
	// programs: the message is for people and its wording may change.
	// AIStore does not send it.
	Class string `json:"class,omitempty"`
}

// Error classes (ErrBody.Class).
const (
	// ErrClassETL: an ETL failed the object: its transformer answered an
	// error, broke the protocol, could not be reached or could not deliver
	// the result by direct put, or the ETL is not running.
	ErrClassETL = "etl"
	// ErrClassTimeout: the request did not finish in time (an object's
	// obj_timeout, a node that did not answer).
	ErrClassTimeout = "timeout"
	// ErrClassNotFound: no such bucket, object, ETL, job or endpoint.
	ErrClassNotFound = "not-found"
	// ErrClassClient: the request is wrong: malformed, not allowed,
	// unauthorized, or in conflict with what exists.
	ErrClassClient = "client"
	// ErrClassUnavailable: a node cannot serve the request now (down,
	// leaving, starting, out of space); the same request may succeed later.
	ErrClassUnavailable = "unavailable"
	// ErrClassServer: the node failed.
	ErrClassServer = "server"
)

// ClassOfStatus is the class of an error answered with status when
// nothing more specific is known: 404 not-found, 408 and 504 timeout, 429,
// 503 and 507 unavailable, other 4xx client, other 5xx server.
func ClassOfStatus(status int) string {
	switch {
	case status == http.StatusNotFound:
		return ErrClassNotFound
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return ErrClassTimeout
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable ||
		status == http.StatusInsufficientStorage:
		return ErrClassUnavailable
	case status >= 400 && status < 500:
		return ErrClassClient
	}
	return ErrClassServer
}

// HTTPError is an error answer from a node, as seen by a client.
type HTTPError struct {
	Status  int
	Message string
	Method  string
	URL     string
	// AIStore is set when the answer is AIStore's own (its error body has
	// a tcode): Error then names it, with the node and the tcode.
	AIStore bool
	Node    string
	TCode   string
	// Class is the error body's class (ErrClassETL, ...); "" when the
	// answer had none (AIStore, a transformer, plain text).
	Class string
}

func (e *HTTPError) Error() string {
	if e.AIStore {
		who := "node " + e.Node
		if e.TCode != "" {
			who += ", " + e.TCode
		}
		return fmt.Sprintf("%s %s: %d %s: AIStore's answer (%s): %s", e.Method, e.URL, e.Status, http.StatusText(e.Status), who, e.Message)
	}
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.URL, e.Status, http.StatusText(e.Status), e.Message)
}

// IsAIStore reports whether err is (or wraps) an error answer of an
// AIStore node.
func IsAIStore(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.AIStore
}

// StatusOf returns the HTTP status of err if it is (or wraps) an *HTTPError, else 0.
func StatusOf(err error) int {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status
	}
	return 0
}

// ClassOf returns the class that an error answer (an *HTTPError in err's
// chain) carried, else "".
func ClassOf(err error) string {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Class
	}
	return ""
}

// IsNotFound reports whether err is a 404 answer.
func IsNotFound(err error) bool { return StatusOf(err) == http.StatusNotFound }

// WriteErr answers an error with status and a JSON ErrBody of the class
// the status implies (ClassOfStatus).
func WriteErr(w http.ResponseWriter, r *http.Request, status int, format string, a ...any) {
	WriteErrClass(w, r, status, ClassOfStatus(status), format, a...)
}

// WriteErrClass answers an error with status and a JSON ErrBody of class
// (an empty message becomes the status text).
func WriteErrClass(w http.ResponseWriter, r *http.Request, status int, class, format string, a ...any) {
	body := ErrBody{Status: status, Message: fmt.Sprintf(format, a...), Class: class}
	if body.Message == "" {
		body.Message = http.StatusText(status)
	}
	if r != nil {
		body.Method, body.Path = r.Method, r.URL.Path
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// WriteJSON answers 200 with v encoded as JSON.
func WriteJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// DecodeErr turns an error response (status >= 400) and its body into an
// *HTTPError; the body may be an ErrBody or plain text.
func DecodeErr(resp *http.Response, body []byte) error {
	e := &HTTPError{Status: resp.StatusCode, Method: resp.Request.Method, URL: resp.Request.URL.String()}
	var eb ErrBody
	if json.Unmarshal(body, &eb) == nil && (eb.Message != "" || eb.Class != "") {
		e.Message, e.Class = eb.Message, eb.Class
		e.Node, e.TCode, e.AIStore = eb.Node, eb.TCode, isAIStoreErr(&eb)
	} else if hb := resp.Header.Get("Hdr-Error"); hb != "" && json.Unmarshal([]byte(hb), &eb) == nil && eb.Message != "" {
		// AIStore answers a HEAD's error in this header.
		e.Message = eb.Message
		e.Node, e.TCode, e.AIStore = eb.Node, eb.TCode, isAIStoreErr(&eb)
	} else {
		e.Message = string(body)
	}
	return e
}

// isAIStoreErr tells AIStore's error bodies from etlcore's: AIStore's name
// the node as p[ID] or t[ID], and most carry a tcode.
func isAIStoreErr(eb *ErrBody) bool {
	if eb.TCode != "" {
		return true
	}
	n := eb.Node
	return len(n) > 3 && (n[0] == 'p' || n[0] == 't') && n[1] == '[' && n[len(n)-1] == ']'
}
