package transformer

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// Config configures a transformer server (the container contract's env).
type Config struct {
	Host      string // listen host (env HOST, default 127.0.0.1)
	Port      string // listen port (env PORT, default 8000; "0": any free port)
	TargetURL string // env AIS_TARGET_URL: where to pull objects and direct-put results
	DirectPut bool   // env DIRECT_PUT (or direct_put)
	// AllowedRoots, when set (env ETLBENCH_MOUNTPATHS, colon-separated),
	// are the only directories etl_fqn may point into.
	AllowedRoots []string
	// ObjTimeout, when > 0, bounds one object.
	ObjTimeout time.Duration
}

// ConfigFromEnv reads the contract's environment.
func ConfigFromEnv() (Config, error) {
	cfg := Config{Host: os.Getenv(api.EnvHost), Port: os.Getenv(api.EnvPort), TargetURL: os.Getenv(api.EnvTargetURL)}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.Port == "" {
		cfg.Port = "8000"
	}
	if p, err := strconv.Atoi(cfg.Port); err != nil || p < 0 || p > 65535 {
		return cfg, fmt.Errorf("transformer: env %s=%q is not a port number", api.EnvPort, cfg.Port)
	}
	dp := os.Getenv(api.EnvDirectPut)
	if dp == "" {
		dp = os.Getenv("direct_put")
	}
	if dp != "" {
		v, err := strconv.ParseBool(dp)
		if err != nil {
			return cfg, fmt.Errorf("transformer: env %s=%q is not true or false", api.EnvDirectPut, dp)
		}
		cfg.DirectPut = v
	}
	if roots := os.Getenv("ETLBENCH_MOUNTPATHS"); roots != "" {
		for _, r := range strings.Split(roots, ":") {
			if r != "" {
				cfg.AllowedRoots = append(cfg.AllowedRoots, filepath.Clean(r))
			}
		}
	}
	return cfg, nil
}

// checkFQN allows only clean absolute paths inside the allowed roots.
func (c *Config) checkFQN(fqn string) error {
	if !filepath.IsAbs(fqn) || filepath.Clean(fqn) != fqn {
		return fmt.Errorf("etl_fqn %q must be a clean absolute path", fqn)
	}
	if len(c.AllowedRoots) == 0 {
		return nil
	}
	for _, r := range c.AllowedRoots {
		if strings.HasPrefix(fqn, r+string(filepath.Separator)) {
			return nil
		}
	}
	return fmt.Errorf("etl_fqn %q is outside the target's mountpaths", fqn)
}
