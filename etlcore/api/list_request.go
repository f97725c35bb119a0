package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// DefaultPageSize and MaxPageSize bound one page of a listing.
const (
	DefaultPageSize = 1000
	MaxPageSize     = 10000
)

// ParseListRequest reads a listing request: an ActMsg body {"action":"list",
// "value":{...}} and/or the same fields as query parameters (which win).
// The page size it returns is in 1..MaxPageSize.
func ParseListRequest(r *http.Request) (*ListMsg, error) {
	var msg ListMsg
	am, err := ReadActMsg(r)
	if err != nil {
		return nil, err
	}
	if am.Action != "" && am.Action != ActList {
		return nil, fmt.Errorf("GET on a bucket takes action %q, not %q", ActList, am.Action)
	}
	if err := am.DecodeValue(&msg); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	if v := q.Get(QparamPrefix); v != "" {
		msg.Prefix = v
	}
	if v := q.Get(QparamToken); v != "" {
		msg.ContinuationToken = v
	}
	if v := q.Get(QparamPageSize); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("pagesize %q is not a non-negative integer", v)
		}
		msg.PageSize = n
	}
	if msg.PageSize < 0 {
		return nil, errors.New("pagesize must not be negative")
	}
	if msg.PageSize == 0 {
		msg.PageSize = DefaultPageSize
	}
	if msg.PageSize > MaxPageSize {
		msg.PageSize = MaxPageSize
	}
	return &msg, nil
}
