package target

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/etl"
)

func runningJob() *tjob {
	_, cancel := context.WithCancel(context.Background())
	return &tjob{cancel: cancel, state: api.JobRunning, ended: make(chan struct{})}
}

// awaitETLAbort returns when the job ends (the ETL's abort failed it), at
// once for errors that announce no abort, and after the grace otherwise.
func TestAwaitETLAbort(t *testing.T) {
	connErr := &etl.ObjError{Class: etl.ClassConnection, Msg: "connect to transformer"}

	j := runningJob()
	returned := make(chan time.Time, 1)
	go func() { j.awaitETLAbort(connErr); returned <- time.Now() }()
	time.Sleep(50 * time.Millisecond)
	select {
	case <-returned:
		t.Fatal("returned while the job still runs")
	default:
	}
	ended := time.Now()
	j.finish(api.JobFailed, "etl aborted")
	select {
	case at := <-returned:
		if at.Before(ended) {
			t.Fatal("returned before the job ended")
		}
	case <-time.After(etlAbortGrace / 2):
		t.Fatalf("still waiting %v after the job ended", etlAbortGrace/2)
	}
	// A job that has ended already: no wait; finish again changes nothing.
	t0 := time.Now()
	j.awaitETLAbort(connErr)
	j.finish(api.JobFinished, "")
	if d := time.Since(t0); d > etlAbortGrace/2 {
		t.Fatalf("waited %v on an ended job", d)
	}
	if j.state != api.JobFailed {
		t.Fatalf("state %s after a second finish, want %s", j.state, api.JobFailed)
	}

	// An error that announces no abort returns at once.
	t0 = time.Now()
	runningJob().awaitETLAbort(&etl.ObjError{Class: etl.ClassTransformer, Status: 500, Msg: "bad input"})
	if d := time.Since(t0); d > etlAbortGrace/2 {
		t.Fatalf("waited %v for a transform error", d)
	}

	// Nothing ends the job: the wait is the grace.
	t0 = time.Now()
	runningJob().awaitETLAbort(errors.New("connection reset"))
	if d := time.Since(t0); d < etlAbortGrace {
		t.Fatalf("waited %v, want the grace %v", d, etlAbortGrace)
	}
}
