package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/etlbench/etlbench/etlcore/api"
)

// etlSession is the ETL a run uses.
type etlSession struct {
	name        string
	owned       bool   // the run initialized it: delete it at the end
	spec        []byte // JSON, for the result
	transformer string // built-in transformer name, when known
	note        string
}

var etlNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{4,30}[a-z0-9]$`)

// GeneratedETLName is the name the loader gives an ETL it builds for a
// built-in transformer: lg-<transformer>-<comm>[-dp].
func GeneratedETLName(transformer, comm string, directPut bool) string {
	n := "lg-" + transformer + "-" + comm
	if directPut {
		n += "-dp"
	}
	return n
}

// BuildSpec returns the JSON init spec the loader uses for built-in
// transformer name: image etlbench/transformer-<name>, the communication
// mode and the direct-put switch.
func BuildSpec(etlName, transformer, comm string, directPut bool) []byte {
	spec := map[string]any{
		"name":               etlName,
		"communication":      comm + "://",
		"support_direct_put": directPut,
		"runtime":            map[string]any{"image": builtinImagePrefix + transformer},
	}
	b, _ := json.Marshal(spec)
	return b
}

// setupETL finds or initializes the ETL cfg asks for.
func setupETL(ctx context.Context, c *api.Client, cfg *Config) (*etlSession, error) {
	if len(cfg.ETLSpec) > 0 {
		name, _, tr, _, err := ParseSpecInfo(cfg.ETLSpec)
		if err != nil {
			return nil, err
		}
		js, err := yaml.YAMLToJSON(cfg.ETLSpec)
		if err != nil {
			js = nil
		}
		s := &etlSession{name: name, spec: js, transformer: tr}
		if _, err := c.ETLInit(ctx, cfg.ETLSpec); err != nil {
			if api.StatusOf(err) != http.StatusConflict {
				return nil, fmt.Errorf("init ETL %s: %w", name, err)
			}
			d, serr := c.ETLShow(ctx, name)
			if serr != nil {
				return nil, fmt.Errorf("init ETL %s: %w", name, err)
			}
			if d.Info.Stage != api.StageRunning {
				return nil, fmt.Errorf("ETL %s already exists and is %s (%s): remove it (etlbench etl rm %s) or start it", name, d.Info.Stage, d.Info.Reason, name)
			}
			s.note = fmt.Sprintf("ETL %s was already running: used as is and left running", name)
			return s, nil
		}
		s.owned = true
		if err := waitRunning(ctx, c, name); err != nil {
			s.teardown(c)
			return nil, err
		}
		return s, nil
	}

	// --etl NAME: an ETL on the cluster, or a built-in transformer.
	name := cfg.ETLName
	if etlNameRE.MatchString(name) {
		d, err := c.ETLShow(ctx, name)
		switch {
		case err == nil:
			if d.Info.Stage != api.StageRunning {
				return nil, fmt.Errorf("ETL %s is %s (%s): start it first (etlbench etl start %s)", name, d.Info.Stage, d.Info.Reason, name)
			}
			_, _, tr, _, _ := ParseSpecInfo(d.Spec)
			return &etlSession{name: name, spec: d.Spec, transformer: tr,
				note: fmt.Sprintf("ETL %s was already running: used as is and left running", name)}, nil
		case !api.IsNotFound(err):
			return nil, fmt.Errorf("look up ETL %s: %w", name, err)
		}
	}
	if !isBuiltin(name) {
		return nil, fmt.Errorf("--etl %s: no such ETL on the cluster, and not a built-in transformer (%s)", name, builtinNames())
	}
	gen := GeneratedETLName(name, cfg.Comm, cfg.DirectPut)
	spec := BuildSpec(gen, name, cfg.Comm, cfg.DirectPut)
	s := &etlSession{name: gen, spec: spec, transformer: name}
	d, err := c.ETLShow(ctx, gen)
	switch {
	case err == nil && d.Info.Stage == api.StageRunning:
		s.note = fmt.Sprintf("ETL %s was already running: used as is and left running", gen)
		return s, nil
	case err == nil:
		// A leftover of an earlier run (e.g. killed): replace it.
		if derr := c.ETLDelete(ctx, gen); derr != nil && !api.IsNotFound(derr) {
			return nil, fmt.Errorf("remove stale ETL %s (%s): %w", gen, d.Info.Stage, derr)
		}
	case !api.IsNotFound(err):
		return nil, fmt.Errorf("look up ETL %s: %w", gen, err)
	}
	if _, err := c.ETLInit(ctx, spec); err != nil {
		return nil, fmt.Errorf("init ETL %s (transformer %s, %s): %w", gen, name, cfg.Comm, err)
	}
	s.owned = true
	if err := waitRunning(ctx, c, gen); err != nil {
		s.teardown(c)
		return nil, err
	}
	return s, nil
}

// waitRunning waits until ETL name is Running on the cluster.
func waitRunning(ctx context.Context, c *api.Client, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		d, err := c.ETLShow(ctx, name)
		if err != nil {
			return fmt.Errorf("ETL %s: %w", name, err)
		}
		switch d.Info.Stage {
		case api.StageRunning:
			return nil
		case api.StageAborted:
			return fmt.Errorf("ETL %s aborted during init: %s", name, d.Info.Reason)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("ETL %s: still %s: %w", name, d.Info.Stage, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// teardown stops and deletes the ETL when the run started it; it works
// even after the run's context was cancelled.
func (s *etlSession) teardown(c *api.Client) error {
	if s == nil || !s.owned {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.ETLDelete(ctx, s.name); err != nil && !api.IsNotFound(err) {
		return fmt.Errorf("delete ETL %s: %w", s.name, err)
	}
	s.owned = false
	return nil
}
