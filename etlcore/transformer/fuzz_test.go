package transformer

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

// FuzzWSCtrlMsg: the control-frame decoder never panics; what it accepts
// re-encodes to a message that decodes the same, with a usable fqn and
// pipeline. The reply-frame classifier never panics either and reads back
// what EncodeWSError writes.
func FuzzWSCtrlMsg(f *testing.F) {
	for _, s := range []string{
		`{"path":"dir/obj.bin","etl_args":"k=v"}`,
		`{"path":"o","fqn":"%2Fmnt%2Fmp1%2F%40ais%2Fbck%2Fo","pipeline":"http://127.0.0.1:1/bck/o?uuid=j,http://127.0.0.1:2"}`,
		`{"dst_addr":"http://h:1/b/o","fqn":"/abs/path"}`,
		`{"path":"o","pipeline":"a,,b"}`,
		`{"fqn":"relative"}`,
		`{"path":1}`,
		`{} {}`,
		`[]`,
		`not json`,
		`{"error":"boom","status":503}`,
		`123`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := api.DecodeWSCtrlMsg(b)
		if err == nil {
			enc, err := api.EncodeWSCtrlMsg(&m)
			if err != nil {
				t.Fatalf("encode %+v: %v", m, err)
			}
			m2, err := api.DecodeWSCtrlMsg(enc)
			if err != nil {
				t.Fatalf("re-decode %s: %v", enc, err)
			}
			if m2 != m {
				t.Fatalf("round trip changed %+v to %+v", m, m2)
			}
			if fqn, err := m.LocalFQN(); err != nil || (m.FQN != "" && (fqn == "" || fqn[0] != '/')) {
				t.Fatalf("accepted fqn %q -> %q, %v", m.FQN, fqn, err)
			}
			hops, err := m.NextHops()
			if err != nil {
				t.Fatalf("accepted pipeline %q: %v", m.Pipeline, err)
			}
			for _, h := range hops {
				if h == "" {
					t.Fatal("empty hop accepted")
				}
			}
		}
		// Whatever the target receives as a text reply is classified without panicking.
		n, msg, status, isErr := api.ParseWSText(b)
		if isErr && (status < 400 || status > 599 || msg == "") {
			t.Fatalf("error reply %q: status %d, message %q", b, status, msg)
		}
		if !isErr && n < -1 {
			t.Fatalf("direct-put length %d", n)
		}
		// An error frame reads back as itself.
		e := api.EncodeWSError(http.StatusBadGateway, string(b))
		if !json.Valid(e) {
			t.Fatalf("EncodeWSError wrote invalid JSON %q", e)
		}
		if _, _, st, isErr := api.ParseWSText(e); !isErr || st != http.StatusBadGateway {
			t.Fatalf("EncodeWSError(%q) = %q reads back as %v %d", b, e, isErr, st)
		}
	})
}
