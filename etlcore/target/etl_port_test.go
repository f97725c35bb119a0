package target

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/etl"
	"github.com/etlbench/etlbench/etlcore/runtime"
)

// portRuntime's first transformer exits at once because its port is taken
// (as a process transformer does when another socket got the port first);
// the next ones run (an HTTP server that answers /health).
type portRuntime struct {
	starts atomic.Int32
	srv    *httptest.Server
}

func (p *portRuntime) Name() string { return "port-test" }

func (p *portRuntime) Start(context.Context, runtime.StartRequest) (runtime.Instance, error) {
	inst := &fixedInstance{url: p.srv.URL, done: make(chan struct{})}
	if p.starts.Add(1) == 1 {
		inst.err = errors.New(`transformer exited: exit status 1 (last output: "listen tcp 127.0.0.1:20001: bind: address already in use")`)
		inst.url = "http://127.0.0.1:1" // nothing listens there
		close(inst.done)
	}
	return inst, nil
}

type fixedInstance struct {
	url  string
	err  error
	done chan struct{}
	stop atomic.Int32
}

func (f *fixedInstance) URL() string           { return f.url }
func (f *fixedInstance) Done() <-chan struct{} { return f.done }
func (f *fixedInstance) Err() error            { return f.err }
func (f *fixedInstance) Logs(io.Writer) error  { return nil }
func (f *fixedInstance) Metrics(context.Context) (runtime.Metrics, error) {
	return runtime.Metrics{}, nil
}
func (f *fixedInstance) Stop(context.Context) error {
	if f.stop.Add(1) == 1 && f.err == nil {
		close(f.done)
	}
	return nil
}

// A transformer that exits because its port was taken is started again
// (here the second start runs) and the ETL comes up Running.
func TestInitRetriesTakenPort(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer srv.Close()
	rt := &portRuntime{srv: srv}
	tg, err := New(Config{ID: "t1", Dir: t.TempDir(), Runtime: rt, Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	// What the proxy ships: the spec parsed, validated and normalized.
	parsed, err := etl.ParseSpec([]byte(`{"name": "md5-etl", "communication": "hpush://", "runtime": {"image": "etlbench/transformer-md5"}}`))
	if err != nil {
		t.Fatal(err)
	}
	parsed.Normalize()
	spec, _ := json.Marshal(parsed)
	if err := tg.initETL(context.Background(), "md5-etl", &api.ETLInitMsg{Spec: spec, Secret: "s"}); err != nil {
		t.Fatalf("init: %v", err)
	}
	defer tg.stopETL("md5-etl", "test over", true)
	if n := rt.starts.Load(); n != 2 {
		t.Errorf("%d starts, want 2 (the first found its port taken)", n)
	}
	if v := tg.getETL("md5-etl").view(); v.Stage != api.StageRunning {
		t.Errorf("stage %s (%s), want Running", v.Stage, v.Reason)
	}
}

func TestPortTaken(t *testing.T) {
	for msg, want := range map[string]bool{
		`transformer exited: exit status 1 (last output: "listen tcp 127.0.0.1:20001: bind: address already in use")`: true,
		`transformer exited: exit status 1 (last output: "OSError: [Errno 98] Address already in use")`:               true,
		`transformer exited: exit status 2 (last output: "no such file")`:                                             false,
	} {
		if got := portTaken(errors.New(msg)); got != want {
			t.Errorf("portTaken(%q) = %v, want %v", msg, got, want)
		}
	}
	if portTaken(nil) {
		t.Error("portTaken(nil)")
	}
}
