package etl

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// reusedCtrl is AIStore's WebsocketCtrlMsg as its Go framework decodes it:
// into one struct reused for every message of a connection.
type reusedCtrl struct {
	Pipeline string `json:"pipeline,omitempty"`
	Targs    string `json:"etl_args,omitempty"`
	FQN      string `json:"fqn,omitempty"`
	Path     string `json:"path,omitempty"`
}

// TestWSCtrlMsgEveryField: every control message carries path, fqn,
// etl_args and pipeline, empty ones too, so that a transformer decoding
// every message into one reused struct never sees the previous object's
// fqn, args or direct-put destination.
func TestWSCtrlMsgEveryField(t *testing.T) {
	file := filepath.Join(t.TempDir(), "local")
	if err := os.WriteFile(file, []byte("from the file"), 0o644); err != nil {
		t.Fatal(err)
	}
	seen := make(chan reusedCtrl, 8)
	raw := make(chan map[string]any, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := acceptWS(w, r)
		if c == nil {
			return
		}
		defer c.CloseNow()
		ctx := r.Context()
		var ctrl reusedCtrl // one struct for the whole connection
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				return
			}
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			raw <- m
			if err := json.Unmarshal(b, &ctrl); err != nil {
				return
			}
			seen <- ctrl
			if ctrl.FQN == "" {
				if _, _, err := c.Read(ctx); err != nil {
					return
				}
			}
			if c.Write(ctx, websocket.MessageBinary, []byte("r")) != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c := newComm(t, "ws", srv.URL, CommOpts{WSConns: 1, WSMaxConns: 1, ObjTimeout: 20 * time.Second})
	reqs := []*ObjRequest{
		{Bck: "b", ObjName: "first", FQN: file, Args: "k=v", NodeURLs: []string{"http://127.0.0.1:1/ais%2F%40%23%2Fd%2Ffirst?uuid=j"}},
		{Bck: "b", ObjName: "second", Body: bytes.NewReader([]byte("x")), Size: 1},
	}
	for _, req := range reqs {
		res, err := c.Do(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		readResult(t, res)
	}
	for i := range reqs {
		m := <-raw
		for _, k := range []string{"path", "fqn", "etl_args", "pipeline"} {
			if _, ok := m[k]; !ok {
				t.Errorf("control message %d %v: no %q field", i+1, m, k)
			}
		}
	}
	<-seen
	second := <-seen
	if second != (reusedCtrl{Path: "second"}) {
		t.Fatalf("a reused struct after the second control message holds %+v; want only path \"second\" (the first message's fqn, args and pipeline cleared)", second)
	}
}
