package runner

import (
	"context"

	"github.com/etlbench/etlbench/loadgen"
	"github.com/etlbench/etlbench/reports/result"
)

// defaultLoad runs a cell's load with loadgen; the runner draws its own
// progress, so loadgen's display is off.
func defaultLoad(ctx context.Context, cfg loadgen.Config) (*result.Result, error) {
	return loadgen.Run(ctx, cfg, nil)
}
