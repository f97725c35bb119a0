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
	req.ContentLength = size
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(open()), nil }
	if size == 0 {
		req.Body, req.GetBody = http.NoBody, func() (io.ReadCloser, error) { return http.NoBody, nil }
	}
	if c.Token != "" {
		req.Header.Set(HdrAuthorization, "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("api: PUT %s/%s: %w", bck, obj, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return decodeErr(resp, b)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return nil
}
