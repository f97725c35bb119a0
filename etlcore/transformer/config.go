package transformer

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// Environment variables read by ConfigFromEnv besides the contract's
// (HOST, PORT, AIS_TARGET_URL, DIRECT_PUT / direct_put).
const (
	// EnvMountpaths is the colon-separated list of the target's mountpaths:
	// etl_fqn must point inside one of them (set by the process runtime).
	EnvMountpaths = "ETLBENCH_MOUNTPATHS"
	// EnvObjTimeout bounds one object in the transformer ("10s", or seconds).
	EnvObjTimeout = "ETLBENCH_OBJ_TIMEOUT"
	// envDirectPutLower is AIStore's lowercase twin of DIRECT_PUT.
	envDirectPutLower = "direct_put"
)

// Defaults of the listen address.
const (
	DefaultHost = "127.0.0.1"
	DefaultPort = "8000"
)

// Config configures a transformer server (the container contract's env).
type Config struct {
	Host string // listen host (env HOST, default 127.0.0.1)
	Port string // listen port (env PORT, default 8000; "0": any free port)
	// TargetURL is env AIS_TARGET_URL, <target>/v1/etl/_object/<etl>/<secret>:
	// hpull GETs objects under it; direct puts use its path.
	TargetURL string
	DirectPut bool // env DIRECT_PUT (or direct_put)
	// AllowedRoots, when set (env ETLBENCH_MOUNTPATHS, colon-separated),
	// are the only directories etl_fqn may point into.
	AllowedRoots []string
	// ObjTimeout, when > 0, bounds one object (env ETLBENCH_OBJ_TIMEOUT).
	ObjTimeout time.Duration
}

// ConfigFromEnv reads the contract's environment and checks it.
func ConfigFromEnv() (Config, error) {
	cfg := Config{
		Host:      os.Getenv(api.EnvHost),
		Port:      os.Getenv(api.EnvPort),
		TargetURL: os.Getenv(api.EnvTargetURL),
	}
	if cfg.Host == "" {
		cfg.Host = DefaultHost
	}
	if cfg.Port == "" {
		cfg.Port = DefaultPort
	}
	if p, err := strconv.Atoi(cfg.Port); err != nil || p < 0 || p > 65535 {
		return cfg, fmt.Errorf("transformer: env %s=%q is not a port number (0..65535)", api.EnvPort, cfg.Port)
	}
	if cfg.TargetURL != "" {
		if err := checkTargetURL(cfg.TargetURL); err != nil {
			return cfg, fmt.Errorf("transformer: env %s: %w", api.EnvTargetURL, err)
		}
	}
	name, dp := api.EnvDirectPut, os.Getenv(api.EnvDirectPut)
	if dp == "" {
		name, dp = envDirectPutLower, os.Getenv(envDirectPutLower)
	}
	if dp != "" {
		v, err := strconv.ParseBool(dp)
		if err != nil {
			return cfg, fmt.Errorf("transformer: env %s=%q is not true or false", name, dp)
		}
		cfg.DirectPut = v
	}
	if roots := os.Getenv(EnvMountpaths); roots != "" {
		for _, r := range strings.Split(roots, ":") {
			if r == "" {
				continue
			}
			if !filepath.IsAbs(r) {
				return cfg, fmt.Errorf("transformer: env %s: %q is not an absolute path", EnvMountpaths, r)
			}
			cfg.AllowedRoots = append(cfg.AllowedRoots, filepath.Clean(r))
		}
	}
	if ot := os.Getenv(EnvObjTimeout); ot != "" {
		d, err := parseTimeout(ot)
		if err != nil {
			return cfg, fmt.Errorf("transformer: env %s: %w", EnvObjTimeout, err)
		}
		cfg.ObjTimeout = d
	}
	return cfg, nil
}

func checkTargetURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s)://host[:port]/path URL", s)
	}
	return nil
}

// parseTimeout reads "10s", "1m30s" or a number of seconds; it must be >= 0.
func parseTimeout(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f < 0 || f > 7*24*3600 || f != f {
			return 0, fmt.Errorf("%q: out of range", s)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q: want a duration like 10s or a number of seconds", s)
	}
	return d, nil
}
