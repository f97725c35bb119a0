package target

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

// TestTransformCopyParams: a target reads a transform-copy's destination
// in AIStore's form (object_to=ais/@#/DST/OBJ, with provider=ais, as
// AIStore's client sends it) and in etlcore's older DST/OBJ; it looks the
// destination bucket up before the ETL, as AIStore's target does, so that
// a parsed destination shows in the answer: a missing bucket is a 404
// naming it, an existing one gets as far as the ETL (none runs here: a
// 404 naming it). A bad value is a 400 that names the parameter and what
// is wrong with it.
func TestTransformCopyParams(t *testing.T) {
	root := t.TempDir()
	tg, err := New(Config{ID: "t1", Dir: root, Mountpaths: []string{filepath.Join(root, "mp")}, Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"src", "dst"} {
		if err := tg.store.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	h := tg.routes()
	for _, tc := range []struct {
		query url.Values
		code  int
		want  []string // in the error message
	}{
		{url.Values{"provider": {"ais"}, "object_to": {"ais/@#/dst/out/a.txt"}, "etl_name": {"md5"}}, 404, []string{`etl "md5"`}},
		{url.Values{"object_to": {"ais/@#/dst/a.txt"}, "etl_name": {"md5"}}, 404, []string{`etl "md5"`}},
		{url.Values{"object_to": {"ais/@/dst/a.txt"}, "etl_name": {"md5"}}, 404, []string{`etl "md5"`}},
		{url.Values{"object_to": {"dst/a.txt"}, "etl_name": {"md5"}}, 404, []string{`etl "md5"`}},
		{url.Values{"object_to": {"ais/@#/nodst/a.txt"}, "etl_name": {"md5"}}, 404, []string{`destination bucket "nodst"`}},
		{url.Values{"object_to": {"nodst/a.txt"}, "etl_name": {"md5"}}, 404, []string{`destination bucket "nodst"`}},

		{url.Values{"object_to": {"aws/@#/dst/a.txt"}, "etl_name": {"md5"}}, 400, []string{"object_to", `provider "aws"`}},
		{url.Values{"object_to": {"ais/@uuid#ns/dst/a.txt"}, "etl_name": {"md5"}}, 400, []string{"object_to", `namespace "@uuid#ns"`}},
		{url.Values{"object_to": {"ais/@#/dst"}, "etl_name": {"md5"}}, 400, []string{"object_to", "object name is empty"}},
		{url.Values{"object_to": {"ais/@#/dst/"}, "etl_name": {"md5"}}, 400, []string{"object_to", "object name is empty"}},
		{url.Values{"object_to": {"ais/@#/"}, "etl_name": {"md5"}}, 400, []string{"object_to", "bucket name is empty"}},
		{url.Values{"object_to": {"ais/@#/d!st/a"}, "etl_name": {"md5"}}, 400, []string{"object_to", "invalid character"}},
		{url.Values{"object_to": {"ais/@#/dst/../a"}, "etl_name": {"md5"}}, 400, []string{"object_to", `".." segment`}},
		{url.Values{"provider": {"gcp"}, "object_to": {"ais/@#/dst/a"}, "etl_name": {"md5"}}, 400, []string{"provider", `"gcp"`, `"src"`}},
		{url.Values{"etl_name": {"md5"}}, 400, []string{"object_to", `"md5"`}},
		// Without etl_name, a plain copy (copy_test.go): of a missing source here.
		{url.Values{"object_to": {"ais/@#/dst/a"}}, 404, []string{"src/a.txt", "does not exist"}},
	} {
		req := httptest.NewRequest(http.MethodPut, api.PathObjects+"src/a.txt?"+tc.query.Encode(), nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var eb api.ErrBody
		if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil {
			t.Errorf("?%s: %d, body %q is not a JSON error", tc.query.Encode(), rec.Code, rec.Body)
			continue
		}
		ok := rec.Code == tc.code
		for _, w := range tc.want {
			ok = ok && strings.Contains(eb.Message, w)
		}
		if !ok {
			t.Errorf("object_to=%q provider=%q: %d %q, want %d naming %q", tc.query.Get("object_to"), tc.query.Get("provider"), rec.Code, eb.Message, tc.code, tc.want)
		}
	}
}
