package loadgen

import (
	"testing"
	"time"
)

// schedProbe measures how late this test process gets the CPU: a
// goroutine sleeps 5 ms at a time and keeps the longest it woke past its
// time. A machine loaded by others (builds, -race test binaries) delays
// the loader as much as the probe, so a test whose goal needs the CPU on
// time tells such a run apart from a loader that is wrong.
type schedProbe struct {
	stop  chan struct{}
	done  chan struct{}
	worst time.Duration
}

// machineHiccup is the probe's delay beyond which a rate or latency goal
// is the machine's, not the loader's.
const machineHiccup = 100 * time.Millisecond

func startSchedProbe(t *testing.T) *schedProbe {
	p := &schedProbe{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		const tick = 5 * time.Millisecond
		tm := time.NewTimer(tick)
		defer tm.Stop()
		for {
			want := time.Now().Add(tick)
			tm.Reset(tick)
			select {
			case <-p.stop:
				return
			case <-tm.C:
			}
			p.worst = max(p.worst, time.Since(want))
		}
	}()
	t.Cleanup(func() { p.Stop() })
	return p
}

// Stop ends the probe and returns the longest delay it saw. Idempotent.
func (p *schedProbe) Stop() time.Duration {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
	return p.worst
}
