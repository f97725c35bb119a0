package transformer

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

func TestHealth(t *testing.T) {
	_, ts := startSDK(t, Config{}, echoT)
	st, _, body := do(t, http.MethodGet, ts.URL+"/health", nil, nil)
	wantStatus(t, st, 200, body)
	if body != "OK" {
		t.Fatalf("health body %q", body)
	}
	st, _, body = do(t, http.MethodPost, ts.URL+"/bck/obj", nil, nil)
	wantStatus(t, st, http.StatusMethodNotAllowed, body)
	st, _, body = do(t, http.MethodPut, ts.URL+"/", nil, nil)
	wantStatus(t, st, http.StatusBadRequest, body)
}

func TestHpushBody(t *testing.T) {
	_, ts := startSDK(t, Config{}, tagT("A"))
	st, hdr, body := do(t, http.MethodPut, ts.URL+"/bck/dir/a%20b.bin?etl_args="+url.QueryEscape("k=v, x&y"), strings.NewReader("hello"), nil)
	wantStatus(t, st, 200, body)
	if body != "A[bck/dir/a b.bin|k=v, x&y]hello" {
		t.Fatalf("body %q", body)
	}
	if hdr.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("content type %q", hdr.Get("Content-Type"))
	}
}

func TestTransformErrors(t *testing.T) {
	_, ts := startSDK(t, Config{}, tagT("A"))
	st, _, body := do(t, http.MethodPut, ts.URL+"/b/o?etl_args=fail422", strings.NewReader("x"), nil)
	wantStatus(t, st, http.StatusUnprocessableEntity, body)
	wantContains(t, body, "cannot digest this input")

	st, _, body = do(t, http.MethodPut, ts.URL+"/b/o?etl_args=panic", strings.NewReader("x"), nil)
	wantStatus(t, st, http.StatusInternalServerError, body)
	wantContains(t, body, "transform panicked: boom")

	// After the first bytes, an error can only abort the connection: the
	// client must see a failed read, never a complete short body.
	req, _ := http.NewRequest(http.MethodPut, ts.URL+"/b/o?etl_args=midfail", strings.NewReader("x"))
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		_, err = readAll(resp)
	}
	if err == nil {
		t.Fatal("a transform that failed mid-stream gave a complete reply")
	}
}

func TestObjTimeout(t *testing.T) {
	_, ts := startSDK(t, Config{ObjTimeout: 200 * 1e6}, tagT("A"))
	st, _, body := do(t, http.MethodPut, ts.URL+"/b/o?etl_args=sleep", strings.NewReader("x"), nil)
	wantStatus(t, st, http.StatusGatewayTimeout, body)
	wantContains(t, body, "deadline exceeded")
}

func TestHpushFQN(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	fqn := filepath.Join(root, "bck", "obj 1")
	mustWrite(t, fqn, "from disk")
	mustWrite(t, filepath.Join(outside, "secret"), "secret")
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, ts := startSDK(t, Config{AllowedRoots: []string{root}}, tagT("A"))
	put := func(fqnParam string) (int, string) {
		st, _, body := do(t, http.MethodPut, ts.URL+"/bck/obj?etl_fqn="+url.QueryEscape(fqnParam), nil, nil)
		return st, body
	}
	// AIStore escapes the FQN (url.PathEscape); a plain path works too.
	for _, p := range []string{api.EscapeFQN(fqn), fqn} {
		st, body := put(p)
		wantStatus(t, st, 200, body)
		if body != "A[bck/obj|]from disk" {
			t.Fatalf("body %q", body)
		}
	}
	cases := []struct {
		fqn    string
		status int
		msg    string
	}{
		{filepath.Join(outside, "secret"), http.StatusForbidden, "outside the target's mountpaths"},
		{filepath.Join(root, "link"), http.StatusForbidden, "outside the target's mountpaths"},
		{root + "/../" + filepath.Base(outside) + "/secret", http.StatusBadRequest, `".." segments`},
		{"bck/obj", http.StatusBadRequest, "not an absolute path"},
		{filepath.Join(root, "missing"), http.StatusNotFound, "no such file"},
		{filepath.Join(root, "dir"), http.StatusBadRequest, "not a regular file"},
		{"/etc/passwd", http.StatusForbidden, "outside"},
		{"%zz", http.StatusBadRequest, "bad escaping"},
	}
	for _, c := range cases {
		st, body := put(c.fqn)
		if st != c.status || !strings.Contains(body, c.msg) {
			t.Errorf("etl_fqn %q: %d %q, want %d with %q", c.fqn, st, body, c.status, c.msg)
		}
	}
	// Without roots, any absolute file may be read.
	_, open := startSDK(t, Config{}, tagT("B"))
	st, _, body := do(t, http.MethodPut, open.URL+"/b/o?etl_fqn="+url.QueryEscape(filepath.Join(outside, "secret")), nil, nil)
	wantStatus(t, st, 200, body)
	wantContains(t, body, "secret")
}

func TestHpullFQN(t *testing.T) {
	root := t.TempDir()
	fqn := filepath.Join(root, "o")
	mustWrite(t, fqn, "pulled locally")
	_, ts := startSDK(t, Config{AllowedRoots: []string{root}}, tagT("A"))
	st, _, body := do(t, http.MethodGet, ts.URL+"/bck/o?etl_args=z&etl_fqn="+url.QueryEscape(api.EscapeFQN(fqn)), nil, nil)
	wantStatus(t, st, 200, body)
	if body != "A[bck/o|z]pulled locally" {
		t.Fatalf("body %q", body)
	}
}

func TestHpullFromTarget(t *testing.T) {
	rc, target := startRecorder(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if strings.HasSuffix(r.URL.Path, "/missing") {
			http.Error(w, "object not found", http.StatusNotFound)
			return
		}
		_, _ = w.Write([]byte("object bytes"))
	})
	_, ts := startSDK(t, Config{TargetURL: target.URL + "/v1/etl/_object/my-etl/s3cret"}, tagT("A"))
	st, _, body := do(t, http.MethodGet, ts.URL+"/bck/dir%2Fx/a%20b?etl_args=q", nil, nil)
	wantStatus(t, st, 200, body)
	if body != "A[bck/dir/x/a b|q]object bytes" {
		t.Fatalf("body %q", body)
	}
	got := rc.got()
	if len(got) != 1 || got[0].Method != http.MethodGet || got[0].URI != "/v1/etl/_object/my-etl/s3cret/bck/dir%2Fx/a%20b" {
		t.Fatalf("target saw %+v", got)
	}
	st, _, body = do(t, http.MethodGet, ts.URL+"/bck/missing", nil, nil)
	wantStatus(t, st, http.StatusNotFound, body)
	wantContains(t, body, "object not found")

	// No AIS_TARGET_URL and no etl_fqn: a clear 400.
	_, bare := startSDK(t, Config{}, tagT("A"))
	st, _, body = do(t, http.MethodGet, bare.URL+"/bck/o", nil, nil)
	wantStatus(t, st, http.StatusBadRequest, body)
	wantContains(t, body, "AIS_TARGET_URL")
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readAll(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			if err.Error() == "EOF" {
				return []byte(b.String()), nil
			}
			return []byte(b.String()), err
		}
	}
}
