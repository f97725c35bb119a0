package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/internal/testcluster"
)

// transformerEnvs returns the environment (as a map) of every running
// transformer process of etl started by cluster c.
func transformerEnvs(t *testing.T, c *testcluster.Cluster, etl string) []map[string]string {
	t.Helper()
	var out []map[string]string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		raw, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if !strings.Contains(string(raw), "/v1/etl/_object/"+etl+"/") || !strings.Contains(string(raw), c.Dir) {
			continue
		}
		env := map[string]string{}
		for _, kv := range strings.Split(string(raw), "\x00") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
		out = append(out, env)
	}
	return out
}

// doReq sends one request and returns status and the error body's message
// (or the raw body).
func doReq(t *testing.T, method, u, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	if token != "" {
		req.Header.Set(api.HdrAuthorization, "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var eb api.ErrBody
	if json.Unmarshal(b, &eb) == nil && eb.Message != "" {
		return resp.StatusCode, eb.Message
	}
	return resp.StatusCode, string(b)
}

// TestSecuritySecret: the _object endpoint refuses a wrong secret, and after
// ETLStop + ETLStart the old secret no longer works while the new one does.
func TestSecuritySecret(t *testing.T) {
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		t.Skip("no /proc")
	}
	c := testcluster.Start(t, testcluster.Options{Targets: 2})
	ctx := context.Background()
	cl := c.Client
	objs := putObjects(t, cl, "src", 8)
	if _, err := cl.ETLInit(ctx, specYAML("sec-echo", "hpull://", "etlbench/transformer-echo", "")); err != nil {
		t.Fatal(err)
	}
	envs := transformerEnvs(t, c, "sec-echo")
	if len(envs) != 2 {
		t.Fatalf("found %d transformer processes of sec-echo, want 2", len(envs))
	}
	// AIS_TARGET_URL = <target>/v1/etl/_object/<etl>/<secret>
	oldURL := envs[0][api.EnvTargetURL]
	base, secret, ok := cutSecret(oldURL)
	if !ok {
		t.Fatalf("AIS_TARGET_URL %q has no secret", oldURL)
	}
	var name string
	for n := range objs {
		name = n
		break
	}
	// The object may live on either target: the endpoint reads local objects
	// only, so try every object until one is local to this target.
	var local string
	for n := range objs {
		if st, _ := doReq(t, "GET", oldURL+"/src/"+n, "", ""); st == http.StatusOK {
			local = n
			break
		}
	}
	if local == "" {
		t.Fatalf("no object readable through %s with the right secret", base)
	}
	if st, msg := doReq(t, "GET", base+"/wrong-secret/src/"+local, "", ""); st != http.StatusForbidden || !strings.Contains(msg, "secret") {
		t.Fatalf("wrong secret: %d %q; want 403 naming the secret", st, msg)
	}
	if st, _ := doReq(t, "PUT", base+"/wrong-secret/src/planted", "", "x"); st != http.StatusForbidden {
		t.Fatalf("PUT with wrong secret: %d; want 403", st)
	}
	if _, err := cl.HeadObject(ctx, "src", "planted"); !api.IsNotFound(err) {
		t.Fatalf("an object was written with a wrong secret: %v", err)
	}
	// Restart: the old secret must stop working.
	if err := cl.ETLStop(ctx, "sec-echo"); err != nil {
		t.Fatal(err)
	}
	if st, _ := doReq(t, "GET", oldURL+"/src/"+local, "", ""); st != http.StatusForbidden {
		t.Fatalf("old secret on a stopped ETL: %d; want 403", st)
	}
	if err := cl.ETLStart(ctx, "sec-echo"); err != nil {
		t.Fatal(err)
	}
	if st, msg := doReq(t, "GET", oldURL+"/src/"+local, "", ""); st != http.StatusForbidden {
		t.Fatalf("old secret after restart: %d %q; want 403", st, msg)
	}
	if st, _ := doReq(t, "PUT", oldURL+"/src/planted", "", "x"); st != http.StatusForbidden {
		t.Fatalf("PUT with the old secret after restart: %d; want 403", st)
	}
	var newURL string
	for _, env := range transformerEnvs(t, c, "sec-echo") {
		if u := env[api.EnvTargetURL]; strings.HasPrefix(u, base+"/") {
			newURL = u
		}
	}
	if _, s2, _ := cutSecret(newURL); s2 == "" || s2 == secret {
		t.Fatalf("after restart the secret is %q (old %q): want a new one", s2, secret)
	}
	if st, msg := doReq(t, "GET", newURL+"/src/"+local, "", ""); st != http.StatusOK {
		t.Fatalf("new secret: %d %q; want 200", st, msg)
	}
	// And the ETL still works end to end.
	got, err := cl.GetObjectBytes(ctx, "src", name, api.GetOpts{ETLName: "sec-echo"})
	if err != nil || string(got) != string(objs[name]) {
		t.Fatalf("inline echo after restart: %v", err)
	}
}

// cutSecret splits <target>/v1/etl/_object/<etl>/<secret> into the part
// before the secret and the secret.
func cutSecret(u string) (base, secret string, ok bool) {
	i := strings.LastIndexByte(u, '/')
	if i < 0 || !strings.Contains(u, api.PathETLObj) {
		return "", "", false
	}
	return u[:i], u[i+1:], u[i+1:] != ""
}

// TestSecurityNames: encoded traversal in object names is refused, and
// names that look odd but are legal (backslashes, "..." segments, encoded
// dots inside a segment) are stored strictly inside the bucket's directory
// on a mountpath.
func TestSecurityNames(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Targets: 2})
	ctx := context.Background()
	if err := c.Client.CreateBucket(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	bad := []struct{ path, msg string }{
		{"/v1/objects/b/%2e%2e/%2e%2e/etc/passwd", `".." segment`},
		{"/v1/objects/b/a/%2E%2E/%2E%2E/x", `".." segment`},
		{"/v1/objects/b/a%2f%2e%2e%2f%2e%2e%2fx", `".." segment`},
		{"/v1/objects/b/%2e", `"." segment`},
		{"/v1/objects/b/%2Fetc%2Fpasswd", "absolute"},
		{"/v1/objects/b/a%2F%2Fb", "empty path segment"},
		{"/v1/objects/b/a%00", "NUL"},
		{"/v1/objects/%2e%2e/x", "must not start with '.'"},
		{"/v1/objects/b%2F..%2Fc/x", ""},
	}
	for _, tc := range bad {
		for _, m := range []string{"PUT", "GET"} {
			st, msg := doReq(t, m, c.ProxyURL+tc.path, "", "planted")
			if st != http.StatusBadRequest || !strings.Contains(msg, tc.msg) {
				t.Errorf("%s %s: %d %q; want 400 with %q", m, tc.path, st, msg, tc.msg)
			}
		}
	}
	odd := []string{`..\..\etc\passwd`, `a\..\b`, "...", "a/.../b", "..a", "a..", "%2e%2e", ".hidden/x"}
	for _, name := range odd {
		b := []byte("odd:" + name)
		if err := c.Client.PutObject(ctx, "b", name, strings.NewReader(string(b)), int64(len(b))); err != nil {
			t.Errorf("legal name %q: %v", name, err)
			continue
		}
		got, err := c.Client.GetObjectBytes(ctx, "b", name, api.GetOpts{})
		if err != nil || string(got) != string(b) {
			t.Errorf("legal name %q read back %q, %v", name, got, err)
		}
	}
	// Every file any target holds is inside <mountpath>/<bucket>/ (or the
	// store's own directories); nothing was written elsewhere in the
	// cluster directory.
	found := map[string]bool{}
	for i := 1; i <= 2; i++ {
		tdir := c.Target(i).Dir
		_ = filepath.Walk(tdir, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return nil
			}
			b, _ := os.ReadFile(p)
			if strings.HasPrefix(string(b), "odd:") || string(b) == "planted" {
				rel, _ := filepath.Rel(tdir, p)
				if string(b) == "planted" || !strings.Contains(filepath.ToSlash(rel), "/b/") {
					t.Errorf("object data at %s: outside the bucket's directory", p)
				}
				found[string(b)] = true
			}
			return nil
		})
	}
	if len(found) != len(odd) {
		t.Errorf("found %d of %d odd-named objects inside bucket directories", len(found), len(odd))
	}
	ents, err := c.Client.ListAll(ctx, "b", "")
	if err != nil || len(ents) != len(odd) {
		t.Fatalf("list: %d objects, %v; want %d", len(ents), err, len(odd))
	}
}

// TestSecurityFQN: a transformer reads etl_fqn only inside its target's
// mountpaths; /etc/passwd, traversal and symlinks out are refused.
func TestSecurityFQN(t *testing.T) {
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		t.Skip("no /proc")
	}
	c := testcluster.Start(t, testcluster.Options{Targets: 1})
	ctx := context.Background()
	objs := putObjects(t, c.Client, "src", 3)
	if _, err := c.Client.ETLInit(ctx, specYAML("fqn-echo", "hpush://", "etlbench/transformer-echo", "")); err != nil {
		t.Fatal(err)
	}
	envs := transformerEnvs(t, c, "fqn-echo")
	if len(envs) != 1 {
		t.Fatalf("found %d transformer processes, want 1", len(envs))
	}
	env := envs[0]
	turl := "http://" + env[api.EnvHost] + ":" + env[api.EnvPort]
	mps := strings.Split(env["ETLBENCH_MOUNTPATHS"], ":")
	if len(mps) == 0 || mps[0] == "" {
		t.Fatalf("transformer has no ETLBENCH_MOUNTPATHS: %v", env)
	}
	// Positive control: a real object's file inside the mountpath is read.
	var fqn, name string
	for n := range objs {
		name = n
		_ = filepath.Walk(mps[0], func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() && filepath.Base(p) == n {
				fqn = p
			}
			return nil
		})
		break
	}
	if fqn == "" {
		t.Fatalf("object %s not found under %s", name, mps[0])
	}
	get := func(f string) (int, string) {
		return doReq(t, "PUT", turl+"/src/x?"+api.QparamETLFQN+"="+url.QueryEscape(f), "", "")
	}
	if st, body := get(fqn); st != http.StatusOK || body != string(objs[name]) {
		t.Fatalf("etl_fqn inside the mountpath: %d (%d bytes); want 200 with the object", st, len(body))
	}
	link := filepath.Join(mps[0], "src", "link-out")
	if err := os.Symlink("/etc/passwd", link); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		fqn    string
		status int
		msg    string
	}{
		{"/etc/passwd", http.StatusForbidden, "outside the target's mountpaths"},
		{mps[0] + "/../../../../../etc/passwd", http.StatusBadRequest, `".." segments`},
		{mps[0] + "-evil/x", http.StatusForbidden, "outside"},
		{link, http.StatusForbidden, "outside the target's mountpaths"},
		{"etc/passwd", http.StatusBadRequest, "not an absolute path"},
	}
	for _, tc := range cases {
		st, msg := get(tc.fqn)
		if st != tc.status || !strings.Contains(msg, tc.msg) || strings.Contains(msg, "root:") {
			t.Errorf("etl_fqn %s: %d %q; want %d with %q", tc.fqn, st, msg, tc.status, tc.msg)
		}
	}
	// hpull form (GET) too.
	st, msg := doReq(t, "GET", turl+"/src/x?"+api.QparamETLFQN+"="+url.QueryEscape("/etc/passwd"), "", "")
	if st != http.StatusForbidden || strings.Contains(msg, "root:") {
		t.Errorf("hpull etl_fqn /etc/passwd: %d %q; want 403", st, msg)
	}
}

// TestSecurityAuthToken: with --auth-token the control API (ETL init,
// bucket create, job start and abort, ETL stop) answers 401 with a message
// without the token and works with it; the data path (object GET/PUT, list,
// ETL list/show) stays open, as in AIStore without AuthN: the token guards
// the cluster's configuration, not its data.
func TestSecurityAuthToken(t *testing.T) {
	const token = "s3cret"
	c := testcluster.Start(t, testcluster.Options{Targets: 2, ExtraArgs: []string{"--auth-token", token}})
	ctx := context.Background()
	anon := api.NewClient(c.ProxyURL)
	auth := api.NewClient(c.ProxyURL)
	auth.Token = token
	wrong := api.NewClient(c.ProxyURL)
	wrong.Token = "nope"
	unauth := func(what string, err error) {
		t.Helper()
		if api.StatusOf(err) != http.StatusUnauthorized || !strings.Contains(err.Error(), "auth token") {
			t.Errorf("%s: %v; want 401 naming the auth token", what, err)
		}
	}
	unauth("create bucket without token", anon.CreateBucket(ctx, "b"))
	unauth("create bucket with a wrong token", wrong.CreateBucket(ctx, "b"))
	if err := auth.CreateBucket(ctx, "b"); err != nil {
		t.Fatalf("create bucket with token: %v", err)
	}
	spec := specYAML("auth-md5", "hpush://", "etlbench/transformer-md5", "")
	_, err := anon.ETLInit(ctx, spec)
	unauth("etl init without token", err)
	if _, err := auth.ETLInit(ctx, spec); err != nil {
		t.Fatalf("etl init with token: %v", err)
	}
	// Data path: open.
	objs := map[string][]byte{}
	for i := 0; i < 10; i++ {
		n := fmt.Sprintf("o-%d", i)
		b := content(int64(i), 1000+i)
		if err := anon.PutObject(ctx, "b", n, strings.NewReader(string(b)), int64(len(b))); err != nil {
			t.Fatalf("PUT without token: %v", err)
		}
		objs[n] = b
	}
	for n, b := range objs {
		got, err := anon.GetObjectBytes(ctx, "b", n, api.GetOpts{})
		if err != nil || string(got) != string(b) {
			t.Fatalf("GET without token: %v", err)
		}
		got, err = anon.GetObjectBytes(ctx, "b", n, api.GetOpts{ETLName: "auth-md5"})
		if err != nil || string(got) != md5hex(b) {
			t.Fatalf("inline ETL GET without token: %q %v", got, err)
		}
	}
	if ents, err := anon.ListAll(ctx, "b", ""); err != nil || len(ents) != len(objs) {
		t.Fatalf("list without token: %d %v", len(ents), err)
	}
	if _, err := anon.ETLShow(ctx, "auth-md5"); err != nil {
		t.Fatalf("etl show without token: %v", err)
	}
	// Jobs.
	_, err = anon.StartETLBucket(ctx, "b", "dst", api.TCBMsg{ETLName: "auth-md5"})
	unauth("bucket job without token", err)
	if ok, _ := auth.HeadBucket(ctx, "dst"); ok {
		t.Fatalf("a refused job created its destination bucket")
	}
	_, err = anon.StartETLListRange(ctx, "b", api.TCOMsg{TCBMsg: api.TCBMsg{ETLName: "auth-md5"}, ToBck: "dst", Template: "o-{0..9}"})
	unauth("template job without token", err)
	id, err := auth.StartETLBucket(ctx, "b", "dst", api.TCBMsg{ETLName: "auth-md5"})
	if err != nil {
		t.Fatalf("bucket job with token: %v", err)
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	st, err := auth.WaitJob(wctx, id, 50*time.Millisecond)
	if err != nil || st.State != api.JobFinished || st.ObjsOut != int64(len(objs)) {
		t.Fatalf("job with token: %+v %v", st, err)
	}
	verifyOut(t, anon, "dst", "", objs, md5hex)
	unauth("job abort without token", anon.AbortJob(ctx, id))
	unauth("etl stop without token", anon.ETLStop(ctx, "auth-md5"))
	unauth("etl delete without token", anon.ETLDelete(ctx, "auth-md5"))
	unauth("destroy bucket without token", anon.DestroyBucket(ctx, "dst"))
	if d, err := auth.ETLShow(ctx, "auth-md5"); err != nil || d.Info.Stage != api.StageRunning {
		t.Fatalf("after refused stop: %+v %v", d, err)
	}
	// The targets' internal API is guarded too: nobody but the proxy may
	// start or stop an ETL on a target directly.
	tgt := c.Target(1).URL
	if st, msg := doReq(t, "GET", tgt+api.PathInternal+"etl", "", ""); st != http.StatusUnauthorized || !strings.Contains(msg, "auth token") {
		t.Errorf("target internal API without token: %d %q; want 401", st, msg)
	}
	// A target's own bucket API (which the proxy broadcasts to) refuses
	// control operations without the token too; reads stay open.
	if st, msg := doReq(t, "DELETE", tgt+api.PathBuckets+"dst", "", `{"action":"destroy-bck"}`); st != http.StatusUnauthorized || !strings.Contains(msg, "auth token") {
		t.Errorf("destroy bucket on a target without token: %d %q; want 401", st, msg)
	}
	if st, msg := doReq(t, "POST", tgt+api.PathBuckets+"newb", "", `{"action":"create-bck"}`); st != http.StatusUnauthorized {
		t.Errorf("create bucket on a target without token: %d %q; want 401", st, msg)
	}
	if st, msg := doReq(t, "GET", tgt+api.PathBuckets+"dst", "", ""); st != http.StatusOK {
		t.Errorf("list on a target without token: %d %q; want 200", st, msg)
	}
	verifyOut(t, anon, "dst", "", objs, md5hex)
	if err := auth.DestroyBucket(ctx, "dst"); err != nil {
		t.Fatalf("destroy bucket with token: %v", err)
	}
	if err := auth.ETLDelete(ctx, "auth-md5"); err != nil {
		t.Fatalf("etl delete with token: %v", err)
	}
}
