package transformer

import (
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	for _, k := range []string{"HOST", "PORT", "AIS_TARGET_URL", "DIRECT_PUT", "direct_put", EnvMountpaths, EnvObjTimeout} {
		t.Setenv(k, "")
	}
	cfg, err := ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "127.0.0.1" || cfg.Port != "8000" || cfg.DirectPut || cfg.TargetURL != "" || cfg.AllowedRoots != nil || cfg.ObjTimeout != 0 {
		t.Fatalf("defaults: %+v", cfg)
	}

	t.Setenv("HOST", "::1")
	t.Setenv("PORT", "0")
	t.Setenv("AIS_TARGET_URL", "http://127.0.0.1:8081/v1/etl/_object/md5-etl/abc")
	t.Setenv("direct_put", "true")
	t.Setenv(EnvMountpaths, "/mp/a:/mp/b/:")
	t.Setenv(EnvObjTimeout, "1.5")
	cfg, err = ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "::1" || cfg.Port != "0" || !cfg.DirectPut || strings.Join(cfg.AllowedRoots, ",") != "/mp/a,/mp/b" || cfg.ObjTimeout != 1500*time.Millisecond {
		t.Fatalf("from env: %+v", cfg)
	}
	t.Setenv("DIRECT_PUT", "false") // the upper-case name wins
	if cfg, _ = ConfigFromEnv(); cfg.DirectPut {
		t.Fatal("DIRECT_PUT=false ignored")
	}

	bad := map[string]string{
		"PORT":           "http",
		"AIS_TARGET_URL": "127.0.0.1:8081/v1",
		"DIRECT_PUT":     "maybe",
		EnvMountpaths:    "relative/dir",
		EnvObjTimeout:    "-3s",
	}
	for k, v := range bad {
		t.Run(k, func(t *testing.T) {
			t.Setenv(k, v)
			_, err := ConfigFromEnv()
			if err == nil || !strings.Contains(err.Error(), k) {
				t.Fatalf("%s=%q: %v", k, v, err)
			}
		})
	}
}
