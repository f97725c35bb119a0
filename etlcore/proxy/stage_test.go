package proxy

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

// TestStartChecksStageUnderLock runs a real proxy with no targets and fires
// concurrent starts at one Aborted ETL: each start claims the ETL under the
// lock (and then fails for want of targets) or is refused naming the one
// stage it found. Under -race, a stage read outside the lock is reported.
func TestStartChecksStageUnderLock(t *testing.T) {
	p, err := New(Config{Host: "127.0.0.1", Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	base := runProxy(t, p)
	const name = "race-etl"
	p.ctl.mu.Lock()
	p.ctl.etls[name] = &etlEntry{Name: name, Spec: []byte(`{}`), Stage: api.StageAborted}
	p.ctl.mu.Unlock()

	const n = 16
	var wg sync.WaitGroup
	answers := make([]string, n)
	codes := make([]int, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(base+api.PathETL+"/"+name+"/start", "", nil)
			if err != nil {
				answers[i] = err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			codes[i], answers[i] = resp.StatusCode, string(b)
		}()
	}
	wg.Wait()
	for i := range answers {
		switch {
		case codes[i] == http.StatusInternalServerError && strings.Contains(answers[i], "no live targets"):
		case codes[i] == http.StatusBadRequest && strings.Contains(answers[i], "is "+api.StageInitializing):
		default:
			t.Errorf("start %d: %d %s; want 500 'no live targets' or 400 naming Initializing", i, codes[i], answers[i])
		}
	}
	if st, _ := p.ctl.stage(p.ctl.get(name)); st != api.StageAborted {
		t.Fatalf("after the failed starts the ETL is %s, want Aborted", st)
	}
}
