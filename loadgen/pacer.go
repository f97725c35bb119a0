package loadgen

import (
	"fmt"
	"time"
)

// A Pacer schedules the sends of an open-loop run: Due(i) is when send
// number i (from 0) is intended, as an offset from the start of the run.
type Pacer interface {
	Due(i int64) time.Duration
	// Rate is the pacer's rate in operations per second (for the summary).
	Rate() float64
}

// ConstantPacer sends at a constant rate (operations per second).
type ConstantPacer struct{ PerSec float64 }

// Due implements Pacer.
func (p ConstantPacer) Due(i int64) time.Duration {
	return time.Duration(float64(i) * float64(time.Second) / p.PerSec)
}

// Rate implements Pacer.
func (p ConstantPacer) Rate() float64 { return p.PerSec }

// String implements fmt.Stringer.
func (p ConstantPacer) String() string { return fmt.Sprintf("constant %g/s", p.PerSec) }
