package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path"
	"syscall"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

func TestClassify(t *testing.T) {
	he := func(st int, class, msg, u string) error {
		return &api.HTTPError{Status: st, Class: class, Message: msg, URL: u}
	}
	obj := "http://h/v1/objects/b/x"
	cases := []struct {
		op   string
		err  error
		want string
	}{
		{OpGet, he(404, api.ErrClassNotFound, "object x does not exist", obj), ClassCluster4xx},
		{OpGet, he(503, api.ErrClassUnavailable, "target t2 is down", obj), ClassCluster5xx},
		{OpETLGet, he(503, api.ErrClassUnavailable, "target t1, the owner of etl/x, is down", obj), ClassCluster5xx},
		{OpETLGet, he(503, api.ErrClassETL, "etl md5: transformer failed: boom", obj), ClassTransformer5xx},
		{OpETLCopy, he(502, api.ErrClassETL, "target t1: b/x -> c/x: EOF", obj), ClassTransformer5xx},
		{OpETLGet, he(422, api.ErrClassETL, "bad seed", obj), ClassTransformer4xx},
		{OpETLGet, he(404, api.ErrClassNotFound, `etl "md5" does not exist`, obj), ClassCluster4xx},
		{OpETLGet, he(500, api.ErrClassServer, "ETL[md5] failed", obj), ClassCluster5xx},
		{OpETLGet, he(504, api.ErrClassTimeout, "", obj), ClassTimeout},
		{OpETLGet, he(500, api.ErrClassTimeout, "no answer within obj_timeout", obj), ClassTimeout},
		{OpPut, he(400, api.ErrClassClient, "bad object name", obj), ClassCluster4xx},
		{OpPut, he(507, "some-future-class", "out of space", obj), ClassCluster5xx},
		// Answers without a class: AIStore's, or a transformer's own.
		{OpETLGet, he(400, "", "bad seed", "http://127.0.0.1:4000/b%2Fx"), ClassTransformer4xx}, // hpull: the transformer answered
		{OpETLGet, he(500, "", "ETL[md5] failed", obj), ClassCluster5xx},
		{OpGet, he(500, "", "boom", "http://127.0.0.1:4000/b%2Fx"), ClassCluster5xx}, // not a transform
		{OpETLGet, he(504, "", "", obj), ClassTimeout},
		{OpETLGet, he(408, "", "", "http://127.0.0.1:4000/x"), ClassTimeout},
		// The transport.
		{OpGet, fmt.Errorf("x: %w", context.DeadlineExceeded), ClassTimeout},
		{OpGet, &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, ClassConnection},
		{OpGet, fmt.Errorf("read: %w", io.ErrUnexpectedEOF), ClassConnection},
		{OpGet, fmt.Errorf("%w: x", ErrChecksum), ClassChecksum},
		{OpETLCopy, fmt.Errorf("%w: x", ErrWrongOutput), ClassWrongOutput},
		{OpGet, errors.New("something else"), ClassConnection},
	}
	for _, c := range cases {
		if got := Classify(c.op, c.err); got != c.want {
			t.Errorf("Classify(%s, %v) = %s, want %s", c.op, c.err, got, c.want)
		}
	}
	if Classify(OpGet, nil) != "" {
		t.Error("nil error has a class")
	}
}

// TestClassifyRewordedMessages: a server answers the same status and class
// with messages reworded every which way (words that name the ETL, the
// transformer, a timeout, or nothing); through a real HTTP server and the
// client, every wording gets the same class.
func TestClassifyRewordedMessages(t *testing.T) {
	messages := []string{
		`target t1: etl "md5": src/a: etl transformer error: status 503: boom`,
		"the object could not be processed",
		"ETL[md5] timed out: deadline exceeded",
		"target t2 is down",
		"",
	}
	kinds := []struct {
		status int
		class  string
		want   string
	}{
		{503, api.ErrClassETL, ClassTransformer5xx},
		{400, api.ErrClassETL, ClassTransformer4xx},
		{503, api.ErrClassUnavailable, ClassCluster5xx},
		{404, api.ErrClassNotFound, ClassCluster4xx},
		{500, api.ErrClassServer, ClassCluster5xx},
		{504, api.ErrClassTimeout, ClassTimeout},
	}
	// The object name picks the answer: <kind>-<message>.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var k, m int
		if _, err := fmt.Sscanf(path.Base(r.URL.Path), "%d-%d", &k, &m); err != nil {
			http.Error(w, err.Error(), http.StatusTeapot)
			return
		}
		api.WriteErrClass(w, r, kinds[k].status, kinds[k].class, "%s", messages[m])
	}))
	defer srv.Close()
	cl := api.NewClient(srv.URL)
	for k, kind := range kinds {
		for m, msg := range messages {
			_, err := cl.GetObjectBytes(context.Background(), "b", fmt.Sprintf("%d-%d", k, m), api.GetOpts{ETLName: "md5"})
			if api.StatusOf(err) != kind.status || api.ClassOf(err) != kind.class {
				t.Fatalf("%d %s %q: the client read %v (class %q)", kind.status, kind.class, msg, err, api.ClassOf(err))
			}
			if got := Classify(OpETLGet, err); got != kind.want {
				t.Errorf("%d %s %q: %s, want %s", kind.status, kind.class, msg, got, kind.want)
			}
		}
	}
}
