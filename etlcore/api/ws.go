package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The ws:// communication mode (contract section 5).
//
// A target dials GET <transformer>/ws (a WebSocket) and, per object, sends:
//
//  1. one BINARY frame holding a JSON WSCtrlMsg, e.g.
//     {"path":"dir/obj.bin","fqn":"%2Fmnt%2Fmp1%2F...","etl_args":"x","pipeline":"http://h:p/b/o?uuid=j"}
//     (AIStore's field names). A target sends all four fields in every
//     message, "" where unused: AIStore's Go framework decodes every message
//     into one reused struct, where a field left out would keep the previous
//     object's value (its fqn, or its direct-put destination). Decoders
//     accept any field missing;
//  2. only when "fqn" is empty, one BINARY frame with the object's bytes.
//
// The transformer answers strictly in order, exactly one reply per object:
//   - a BINARY frame: the transformed bytes;
//   - a TEXT frame holding a decimal number: the result was delivered by
//     direct put (or down the pipeline) and the number is its length
//     (what AIStore's Python frameworks send; AIStore's Go framework sent
//     "direct put success", which ParseWSText also accepts);
//   - a TEXT frame holding the JSON {"error":"...","status":N}: the object
//     failed (etlbench; better than AIStore, which counts every text frame
//     as a success). See EncodeWSError and ParseWSText.
//
// A transformer may also receive the control message as a TEXT frame
// (older AIStore Go test clients used WriteJSON); the SDK accepts both.
const (
	// PathWS is the transformer's WebSocket endpoint.
	PathWS = "/ws"
	// WSMaxCtrlMsgSize bounds a control frame; larger frames are rejected.
	WSMaxCtrlMsgSize = 64 << 10
	// WSPipelineSep separates the URLs of WSCtrlMsg.Pipeline and of the
	// Ais-Node-Url header.
	WSPipelineSep = ","
	// wsLegacyDirectPutAck is what AIStore's Go webserver framework answers
	// after a direct put.
	wsLegacyDirectPutAck = "direct put success"
)

// WSCtrlMsg is the control message that precedes every object on a ws://
// connection: AIStore's etl.WebsocketCtrlMsg, field for field (same JSON
// names). Its four fields are always encoded, empty ones too (see above);
// AIStore's own tags omit empty ones.
type WSCtrlMsg struct {
	// Path is the object name (AIStore sends lom.ObjName: no bucket).
	Path string `json:"path"`
	// FQN, when set, is the path-escaped (url.PathEscape) local file of the
	// object; no data frame follows. Use LocalFQN to unescape it.
	FQN string `json:"fqn"`
	// ETLArgs is passed verbatim to the transform.
	ETLArgs string `json:"etl_args"`
	// Pipeline is the comma-separated list of where the result goes next
	// (the ws form of the Ais-Node-Url header): a URL with a path is a
	// destination target (direct put); one without is the next transformer.
	Pipeline string `json:"pipeline"`
	// DstAddr is the direct-put address of older AIStore versions
	// ("dst_addr"); decoders treat it as Pipeline when Pipeline is empty.
	// A target never sets it (so it is left out).
	DstAddr string `json:"dst_addr,omitempty"`
}

// EscapeFQN escapes a local file path for WSCtrlMsg.FQN (and for the etl_fqn
// query parameter) the way AIStore does: url.PathEscape, so '/' is %2F.
func EscapeFQN(fqn string) string { return url.PathEscape(fqn) }

// LocalFQN returns the unescaped FQN of m ("" when the data follows in a frame).
func (m *WSCtrlMsg) LocalFQN() (string, error) {
	if m.FQN == "" {
		return "", nil
	}
	fqn, err := url.PathUnescape(m.FQN)
	if err != nil {
		return "", fmt.Errorf("ws control message: bad fqn %q: %w", m.FQN, err)
	}
	return fqn, nil
}

// NextHops returns the pipeline URLs of m, in order (DstAddr when Pipeline
// is empty); nil when the result goes back on the connection.
func (m *WSCtrlMsg) NextHops() ([]string, error) {
	p := m.Pipeline
	if p == "" {
		p = m.DstAddr
	}
	return SplitPipeline(p)
}

// SplitPipeline splits a comma-separated list of URLs (WSCtrlMsg.Pipeline or
// the Ais-Node-Url header). Blank input gives nil; an empty entry is an error.
func SplitPipeline(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, WSPipelineSep)
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, fmt.Errorf("pipeline %q: empty entry %d", s, i+1)
		}
		parts[i] = p
	}
	return parts, nil
}

// EncodeWSCtrlMsg encodes m as the payload of a control frame.
func EncodeWSCtrlMsg(m *WSCtrlMsg) ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("ws control message: encode: %w", err)
	}
	return b, nil
}

// DecodeWSCtrlMsg decodes the payload of a control frame. It must be one JSON
// object of at most WSMaxCtrlMsgSize bytes; unknown fields are ignored (so
// newer AIStore targets still work), but the known ones must be strings and
// the fqn must unescape to an absolute path.
func DecodeWSCtrlMsg(b []byte) (WSCtrlMsg, error) {
	var m WSCtrlMsg
	if len(b) > WSMaxCtrlMsgSize {
		return m, fmt.Errorf("ws control message: %d bytes, more than the %d allowed", len(b), WSMaxCtrlMsgSize)
	}
	t := bytes.TrimSpace(b)
	if len(t) == 0 || t[0] != '{' {
		return m, fmt.Errorf("ws control message: want a JSON object, got %s", quoteHead(b))
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	if err := dec.Decode(&m); err != nil {
		return WSCtrlMsg{}, fmt.Errorf("ws control message: %w", err)
	}
	if dec.More() {
		return WSCtrlMsg{}, fmt.Errorf("ws control message: trailing data after the JSON object")
	}
	if m.FQN != "" {
		fqn, err := m.LocalFQN()
		if err != nil {
			return WSCtrlMsg{}, err
		}
		if !strings.HasPrefix(fqn, "/") || strings.IndexByte(fqn, 0) >= 0 {
			return WSCtrlMsg{}, fmt.Errorf("ws control message: fqn %q is not an absolute path", fqn)
		}
	}
	if _, err := m.NextHops(); err != nil {
		return WSCtrlMsg{}, fmt.Errorf("ws control message: %w", err)
	}
	return m, nil
}

// WSErrBody is the JSON of an error reply frame.
type WSErrBody struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// EncodeWSError returns the payload of a TEXT frame that reports a failed
// object with an HTTP-like status (500 when status is not 400..599).
func EncodeWSError(status int, msg string) []byte {
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	if !utf8.ValidString(msg) {
		msg = strings.ToValidUTF8(msg, "\uFFFD")
	}
	b, _ := json.Marshal(WSErrBody{Error: msg, Status: status}) // cannot fail: two plain fields
	return b
}

// EncodeWSDirectPut returns the payload of a TEXT frame that reports delivery
// by direct put of n bytes (the decimal number, as AIStore's Python frameworks send).
func EncodeWSDirectPut(n int64) []byte { return strconv.AppendInt(nil, n, 10) }

// ParseWSText classifies the payload of a TEXT reply frame.
//   - {"error":..,"status":..}: isErr, with the message and status (500 when
//     missing or not 400..599);
//   - a decimal number: delivered by direct put, directPutLen = the number;
//   - "direct put success" (AIStore's Go framework) or empty: delivered,
//     directPutLen = -1 (unknown);
//   - any other text is an error when it looks like one (AIStore's Python
//     frameworks answer "Transform error: ..." or "Invalid pipeline header: ...":
//     text containing "error", "fail", "invalid" or "exception"), status 500;
//     otherwise it counts as delivered, length unknown (AIStore's rule).
func ParseWSText(b []byte) (directPutLen int64, errMsg string, status int, isErr bool) {
	t := strings.TrimSpace(string(b))
	if t == "" || t == wsLegacyDirectPutAck {
		return -1, "", 0, false
	}
	if t[0] == '{' {
		var eb struct {
			Error  *string         `json:"error"`
			Status json.RawMessage `json:"status"`
		}
		if json.Unmarshal([]byte(t), &eb) == nil && eb.Error != nil {
			st, err := strconv.Atoi(string(eb.Status))
			if err != nil || st < 400 || st > 599 {
				st = http.StatusInternalServerError
			}
			msg := *eb.Error
			if msg == "" {
				msg = http.StatusText(st)
			}
			return 0, msg, st, true
		}
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil && n >= 0 {
		return n, "", 0, false
	}
	l := strings.ToLower(t)
	for _, w := range []string{"error", "fail", "invalid", "exception"} {
		if strings.Contains(l, w) {
			return 0, t, http.StatusInternalServerError, true
		}
	}
	return -1, "", 0, false
}

func quoteHead(b []byte) string {
	const max = 32
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "..."
	}
	return strconv.Quote(string(b))
}
