package loadgen

import (
	"context"
	"strings"
)

// operation is one value of Config.Op: what it requires of the settings
// (check), what it readies before the load (prepare), one request of it
// (do) and what it undoes after the load (cleanup). The runner calls them
// in that order; do runs concurrently on many workers.
type operation interface {
	traits() opTraits
	// check validates the settings that concern this operation, after
	// the defaults are filled.
	check(c *Config) error
	// prepare readies what the operation needs: buckets, the ETL, the
	// local transform, the verifier.
	prepare(ctx context.Context, r *runner) error
	// do makes one request on obj (the zero objRef for operations that
	// read no object) and returns its bytes in and out. For an offline
	// operation one is a whole job, which records its own progress.
	do(ctx context.Context, r *runner, w *worker, obj objRef) (bin, bout int64, err error)
	// cleanup undoes prepare (the ETL the run initialized); it is called
	// once, also when prepare failed.
	cleanup(ctx context.Context, r *runner) error
}

// opTraits are what the runner needs to know of an operation.
type opTraits struct {
	kind opKind
	// obj: each request takes a source object from the bucket.
	obj bool
	// dst: the operation writes into the destination bucket.
	dst bool
	// etl: the operation transforms on the cluster, so it needs an ETL.
	etl bool
}

// opKind tells how an operation's requests relate to the bucket.
type opKind int

const (
	kindRead  opKind = iota // reads what is in the bucket; PUTs may be mixed in (--pctput)
	kindWrite               // PUTs only
	kindJob                 // offline jobs, one after another
)

// operations maps every value of Config.Op to its operation.
var operations = map[string]operation{
	OpGet:           getOp{},
	OpPut:           putOp{},
	OpETLGet:        etlGetOp{},
	OpETLCopy:       etlCopyOp{},
	OpETLBucket:     offlineOp{op: OpETLBucket, start: startBucketJob},
	OpETLMulti:      offlineOp{op: OpETLMulti, start: startMultiJob},
	OpMixed:         mixedOp{},
	OpClientETLGet:  clientOp{op: OpClientETLGet},
	OpClientETLCopy: clientOp{op: OpClientETLCopy, put: true},
	OpList:          listOp{},
}

// lookupOp returns the operation named op, or a FieldError.
func lookupOp(op string) (operation, error) {
	if o, ok := operations[op]; ok {
		return o, nil
	}
	return nil, fieldErrf("op", "%q: want one of %s", op, strings.Join(Ops, ", "))
}

// operation returns the operation of c (a normalized Config names one);
// getOp for an unknown name.
func (c *Config) operation() operation {
	if o, ok := operations[c.Op]; ok {
		return o
	}
	return getOp{}
}

// baseOp is what most operations share: a cluster ETL when the settings
// name one, nothing to check.
type baseOp struct{}

func (baseOp) check(*Config) error { return nil }

func (baseOp) prepare(ctx context.Context, r *runner) error {
	if r.cfg.ETLName == "" && len(r.cfg.ETLSpec) == 0 {
		return nil
	}
	return r.prepareETL(ctx)
}

func (baseOp) cleanup(_ context.Context, r *runner) error { return r.etl.teardown(r.ctl) }

// noPctPut is the check of the operations that PUT nothing; what says
// what op does instead.
func noPctPut(c *Config, what string) error {
	if c.PctPut != 0 {
		return fieldErrRel("pct_put", []string{"op"}, "does not apply to %[1]s %[2]s, which %[3]s", c.Op, what)
	}
	return nil
}

// requestOps lists the operations a run's requests are drawn from, in
// the recorder's order.
func (r *runner) requestOps() []string {
	cfg := &r.cfg
	switch {
	case r.main.traits().kind == kindJob:
		return []string{cfg.Op}
	case cfg.PctPut >= 100:
		return []string{OpPut}
	case cfg.PctPut > 0:
		return []string{OpPut, r.readOp}
	}
	return []string{r.readOp}
}
