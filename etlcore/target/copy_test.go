package target

import (
	"bytes"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

// TestPlainCopy: PUT ?object_to= without etl_name copies the object as it
// is, under its name or a new one, into the destination bucket (and over
// itself); the source stays; no work file is left behind.
func TestPlainCopy(t *testing.T) {
	root := t.TempDir()
	mp := filepath.Join(root, "mp")
	tg, err := New(Config{ID: "t1", Dir: root, Mountpaths: []string{mp}, Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"src", "dst"} {
		if err := tg.store.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	body := bytes.Repeat([]byte("0123456789"), 100_000)
	if _, err := tg.store.Put("src", "d/a", bytes.NewReader(body), int64(len(body))); err != nil {
		t.Fatal(err)
	}
	h := tg.routes()
	for _, to := range []string{"ais/@#/dst/d/a", "ais/@#/dst/b", "src/d/a"} {
		req := httptest.NewRequest(http.MethodPut, api.PathObjects+"src/d/a?"+url.Values{api.QparamObjectTo: {to}}.Encode(), nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Header().Get(api.HdrObjSize) != "1000000" {
			t.Fatalf("copy to %s: %d %s %q", to, rec.Code, rec.Header().Get(api.HdrObjSize), rec.Body)
		}
	}
	for _, o := range [][2]string{{"dst", "d/a"}, {"dst", "b"}, {"src", "d/a"}} {
		f, _, _, err := tg.store.Open(o[0], o[1])
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(f)
		f.Close()
		if !bytes.Equal(got, body) {
			t.Errorf("%s/%s: %d bytes, want the source's %d", o[0], o[1], len(got), len(body))
		}
	}
	_ = filepath.WalkDir(filepath.Join(mp, workDirName), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), "put-") {
			t.Errorf("work file left: %s", p)
		}
		return nil
	})
}
