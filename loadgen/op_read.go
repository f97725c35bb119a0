package loadgen

import (
	"context"

	"github.com/etlbench/etlbench/etlcore/api"
)

// getOp reads objects of the bucket (--op get).
type getOp struct{ baseOp }

func (getOp) traits() opTraits { return opTraits{kind: kindRead, obj: true} }

func (getOp) do(ctx context.Context, r *runner, w *worker, obj objRef) (int64, int64, error) {
	return r.get(ctx, w, obj, api.GetOpts{})
}

// etlGetOp reads objects transformed inline by the ETL (--op etl-get).
type etlGetOp struct{ baseOp }

func (etlGetOp) traits() opTraits { return opTraits{kind: kindRead, obj: true, etl: true} }

func (etlGetOp) do(ctx context.Context, r *runner, w *worker, obj objRef) (int64, int64, error) {
	return r.get(ctx, w, obj, api.GetOpts{ETLName: r.etl.name, ETLArgs: r.cfg.ETLArgs, Pipeline: r.cfg.Pipeline})
}

// etlCopyOp transforms objects into the destination bucket, one request
// per object (--op etl-copy).
type etlCopyOp struct{ baseOp }

func (etlCopyOp) traits() opTraits { return opTraits{kind: kindRead, obj: true, dst: true, etl: true} }

func (etlCopyOp) do(ctx context.Context, r *runner, _ *worker, obj objRef) (int64, int64, error) {
	bin, err := r.copy(ctx, obj)
	return bin, 0, err
}

// listOp lists the whole bucket per request (--op list).
type listOp struct{ baseOp }

func (listOp) traits() opTraits { return opTraits{kind: kindRead} }

func (listOp) check(c *Config) error {
	if c.PctPut != 0 {
		return fieldErrRel("pct_put", []string{"op"}, "does not apply to %[1]s %[2]s, which lists the bucket (PUTs and GETs: %[1]s mixed)", c.Op)
	}
	return nil
}

func (listOp) do(ctx context.Context, r *runner, _ *worker, _ objRef) (int64, int64, error) {
	bout, err := r.list(ctx)
	return 0, bout, err
}

// mixedOp is PUTs (pct_put of the requests) among reads: inline ETL GETs
// when the settings name an ETL, else plain GETs (--op mixed).
type mixedOp struct{ baseOp }

func (mixedOp) traits() opTraits { return opTraits{kind: kindRead, obj: true} }

func (mixedOp) check(c *Config) error {
	if c.PctPut <= 0 || c.PctPut >= 100 {
		return fieldErrRel("pct_put", []string{"op"}, "%[1]s mixed needs 1..99, got %[2]d", c.PctPut)
	}
	return nil
}

// read is the operation of the reads of the mix.
func (mixedOp) read(c *Config) string {
	if c.ETLName != "" || len(c.ETLSpec) > 0 {
		return OpETLGet
	}
	return OpGet
}

func (m mixedOp) do(ctx context.Context, r *runner, w *worker, obj objRef) (int64, int64, error) {
	return operations[m.read(&r.cfg)].do(ctx, r, w, obj)
}
