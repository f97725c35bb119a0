package target

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// TestGetWholeObject: a plain GET over a real connection returns the
// whole object with the headers http.ServeContent would set (length,
// Last-Modified, Accept-Ranges) and the stored checksum, for an object
// sent with its header in one write (up to smallGet) and for larger ones
// (sendfile), an empty one included; a Range or a precondition still goes
// through ServeContent.
func TestGetWholeObject(t *testing.T) {
	tg := quietTarget(t)
	srv := httptest.NewServer(tg.routes())
	defer srv.Close()
	if err := tg.store.CreateBucket("b"); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{0, 1, smallGet, smallGet + 1, 300 << 10} {
		data := bytes.Repeat([]byte{byte(size), 7, 9}, size/3+1)[:size]
		res, err := tg.store.Put("b", "o"+strconv.Itoa(size), bytes.NewReader(data), int64(size))
		if err != nil {
			t.Fatal(err)
		}
		url := srv.URL + api.PathObjects + "b/o" + strconv.Itoa(size)
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		h := resp.Header
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, data) {
			t.Errorf("size %d: %d, %d bytes back, want 200 and the object", size, resp.StatusCode, len(body))
		}
		if h.Get("Content-Length") != strconv.Itoa(size) || h.Get("Accept-Ranges") != "bytes" || h.Get(api.HdrChecksumValue) != res.Checksum {
			t.Errorf("size %d: headers %v, want length, Accept-Ranges and checksum %s", size, h, res.Checksum)
		}
		lm, err := http.ParseTime(h.Get("Last-Modified"))
		if err != nil || time.Since(lm) > time.Hour {
			t.Errorf("size %d: Last-Modified %q (%v)", size, h.Get("Last-Modified"), err)
		}
		if size < 10 {
			continue
		}
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Range", "bytes=2-5")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, data[2:6]) {
			t.Errorf("size %d, range 2-5: %d %q, want 206 and 4 bytes", size, resp.StatusCode, body)
		}
		req, _ = http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("If-Modified-Since", h.Get("Last-Modified"))
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("size %d, If-Modified-Since its own time: %d, want 304", size, resp.StatusCode)
		}
	}
}
