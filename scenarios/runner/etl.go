package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/scenarios"
)

// defaultInitTimeout is how long an ETL may take to become Running when
// its transformer does not say.
const defaultInitTimeout = 45 * time.Second

var nonName = regexp.MustCompile(`[^a-z0-9-]+`)

// ETLName is the name of the ETL a cell inits:
// eb-<transformer>-<comm>[-dp], 6..32 characters of [a-z0-9-].
func ETLName(c *scenarios.Cell) string {
	t := nonName.ReplaceAllString(strings.ToLower(c.Transformer.Name), "-")
	if len(t) > 16 {
		t = t[:16]
	}
	t = strings.Trim(t, "-")
	if t == "" {
		t = "etl"
	}
	n := "eb-" + t + "-" + c.Comm
	if c.DirectPut {
		n += "-dp"
	}
	return n
}

// BuildSpec returns the JSON init spec of a cell's ETL: the built-in's
// image etlbench/transformer-<name>, or the transformer's own spec file,
// with the cell's name, communication mode and direct-put switch.
func BuildSpec(c *scenarios.Cell) ([]byte, error) {
	t := c.Transformer
	if t == nil {
		return nil, fmt.Errorf("cell %s has no transformer", c.ID)
	}
	spec := map[string]any{}
	if t.SpecPath != "" {
		m, err := scenarios.ReadSpecFile(t.SpecPath)
		if err != nil {
			return nil, err
		}
		spec = m
	} else {
		spec["runtime"] = map[string]any{"image": scenarios.ImagePrefix + t.Builtin}
	}
	spec["name"] = ETLName(c)
	spec["communication"] = c.Comm + "://"
	spec["support_direct_put"] = c.DirectPut
	if t.InitTimeout > 0 {
		spec["init_timeout"] = t.InitTimeout.String()
	}
	if t.ObjTimeout > 0 {
		spec["obj_timeout"] = t.ObjTimeout.String()
	}
	b, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("encode spec of %s: %w", c.ID, err)
	}
	return b, nil
}

// initETL removes a leftover ETL of the same name, inits the cell's ETL and
// waits until it is Running on every target.
func initETL(ctx context.Context, cl *api.Client, c *scenarios.Cell) (name string, spec []byte, err error) {
	name = ETLName(c)
	spec, err = BuildSpec(c)
	if err != nil {
		return name, nil, err
	}
	if _, err := cl.ETLShow(ctx, name); err == nil {
		if err := cl.ETLDelete(ctx, name); err != nil && !api.IsNotFound(err) {
			return name, spec, fmt.Errorf("remove leftover ETL %s: %w", name, err)
		}
	} else if !api.IsNotFound(err) {
		return name, spec, fmt.Errorf("look up ETL %s: %w", name, err)
	}
	if _, err := cl.ETLInit(ctx, spec); err != nil {
		return name, spec, fmt.Errorf("init ETL %s: %w", name, err)
	}
	timeout := c.Transformer.InitTimeout
	if timeout <= 0 {
		timeout = defaultInitTimeout
	}
	wctx, cancel := context.WithTimeout(ctx, timeout+15*time.Second)
	defer cancel()
	for {
		d, err := cl.ETLShow(wctx, name)
		if err != nil {
			return name, spec, fmt.Errorf("ETL %s: %w", name, err)
		}
		switch d.Info.Stage {
		case api.StageRunning:
			return name, spec, nil
		case api.StageAborted:
			return name, spec, fmt.Errorf("ETL %s aborted during init: %s", name, d.Info.Reason)
		}
		select {
		case <-wctx.Done():
			return name, spec, fmt.Errorf("ETL %s still %s after %v: %w", name, d.Info.Stage, timeout, wctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// deleteETL stops and removes ETL name; it works after ctx was cancelled.
func deleteETL(cl *api.Client, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := cl.ETLDelete(ctx, name); err != nil && !api.IsNotFound(err) {
		return fmt.Errorf("delete ETL %s: %w", name, err)
	}
	return nil
}
