package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// ErrBody is the JSON body of every error a node answers (AIStore's shape).
type ErrBody struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
	Method  string `json:"method,omitempty"`
	Path    string `json:"url_path,omitempty"`
	Node    string `json:"node,omitempty"`
	// TCode is AIStore's error type (ErrBckNotFound, ErrUnsupp, ...);
	// etlcore does not send it.
	TCode string `json:"tcode,omitempty"`
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

// IsNotFound reports whether err is a 404 answer.
func IsNotFound(err error) bool { return StatusOf(err) == http.StatusNotFound }

// WriteErr answers an error with status and a JSON ErrBody.
func WriteErr(w http.ResponseWriter, r *http.Request, status int, format string, a ...any) {
	body := ErrBody{Status: status, Message: fmt.Sprintf(format, a...)}
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
	if json.Unmarshal(body, &eb) == nil && eb.Message != "" {
		e.Message = eb.Message
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
