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
}

// HTTPError is an error answer from a node, as seen by a client.
type HTTPError struct {
	Status  int
	Message string
	Method  string
	URL     string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.URL, e.Status, http.StatusText(e.Status), e.Message)
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

// decodeErr turns an error response into an *HTTPError; the body may be
// an ErrBody or plain text.
func decodeErr(resp *http.Response, body []byte) error {
	e := &HTTPError{Status: resp.StatusCode, Method: resp.Request.Method, URL: resp.Request.URL.String()}
	var eb ErrBody
	if json.Unmarshal(body, &eb) == nil && eb.Message != "" {
		e.Message = eb.Message
	} else {
		e.Message = string(body)
	}
	return e
}
