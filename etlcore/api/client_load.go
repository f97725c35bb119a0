package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// PutObjectFunc stores the size bytes that open returns as bck/obj. open
// is called once per hop, so the request follows the proxy's redirect to
// the owner like a replayable body does (no owner lookup first), with a
// stream of any size that the caller can produce again (the loader's
// seeded random contents).
func (c *Client) PutObjectFunc(ctx context.Context, bck, obj string, size int64, open func() io.Reader) error {
	u := c.Base + ObjPath(bck, obj)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, io.NopCloser(open()))
	if err != nil {
		return fmt.Errorf("api: new request PUT %s: %w", u, err)
	}
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(open()), nil }
	return c.doPut(req, bck, obj, size)
}
