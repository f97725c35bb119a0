package aisnode

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// nodePorts are the three ports of one aisnode: public (clients),
// intra-cluster control and intra-cluster data.
type nodePorts struct{ Pub, Control, Data int }

// clusterConfig is the cluster-wide ais.json every node of the cluster
// reads: the settings AIStore's deploy/dev/local/aisnode_config.sh writes
// for a local playground (timeouts, space watermarks, memsys, versioning,
// HTTP buffers), with the primary proxy's URL. aisnode takes its defaults
// for everything left out (no mirroring, no erasure coding, xxhash2
// checksums not validated on GET).
func clusterConfig(primaryURL string) map[string]any {
	return map[string]any{
		"backend": map[string]any{},
		"timeout": map[string]any{
			"cplane_operation":  "2s",
			"max_keepalive":     "5s",
			"cold_get_conflict": "5s",
			"max_host_busy":     "20s",
			"startup_time":      "1m",
			"join_startup_time": "3m",
			"send_file_time":    "5m",
			"ec_streams_time":   "10m",
			"object_md":         "2h",
		},
		"proxy": map[string]any{
			"primary_url":   primaryURL,
			"original_url":  primaryURL,
			"discovery_url": "",
			"non_electable": false,
		},
		"space": map[string]any{
			"cleanupwm":         65,
			"lowwm":             75,
			"highwm":            90,
			"out_of_space":      95,
			"batch_size":        32768,
			"dont_cleanup_time": "120m",
		},
		"resilver": map[string]any{"enabled": true},
		"memsys": map[string]any{
			"min_free":      "2gb",
			"default_buf":   "32kb",
			"to_gc":         "4gb",
			"hk_time":       "3m",
			"min_pct_total": 0,
			"min_pct_free":  0,
		},
		"versioning": map[string]any{"enabled": true, "validate_warm_get": false},
		"net": map[string]any{
			"l4": map[string]any{"proto": "tcp", "sndrcv_buf_size": 131072},
			"http": map[string]any{
				"use_https":           false,
				"server_crt":          "server.crt",
				"server_key":          "server.key",
				"domain_tls":          "",
				"client_ca_tls":       "",
				"client_auth_tls":     0,
				"idle_conn_time":      "6s",
				"idle_conns_per_host": 32,
				"idle_conns":          256,
				"write_buffer_size":   65536,
				"read_buffer_size":    65536,
				"chunked_transfer":    true,
				"skip_verify":         false,
			},
			"use_ipv6": false,
		},
		"auth": map[string]any{},
		"distributed_sort": map[string]any{
			"duplicated_records":    "ignore",
			"missing_shards":        "ignore",
			"ekm_malformed_line":    "abort",
			"ekm_missing_key":       "abort",
			"default_max_mem_usage": "80%",
			"call_timeout":          "10m",
			"dsorter_mem_threshold": "100GB",
			"compression":           "never",
			"bundle_multiplier":     4,
		},
	}
}

// localConfig is one node's ais_local.json: its addresses and ports, its
// config and log directories, and (targets) one test mountpath under
// dataRoot (AIStore's test_fspaths: <root>/mp1/<instance>).
func localConfig(dir, host, dataRoot string, p nodePorts, instance int) map[string]any {
	return map[string]any{
		"confdir": filepath.Join(dir, "conf"),
		"log_dir": filepath.Join(dir, "log"),
		"host_net": map[string]any{
			"hostname":               host,
			"hostname_intra_control": host,
			"hostname_intra_data":    host,
			"port":                   strconv.Itoa(p.Pub),
			"port_intra_control":     strconv.Itoa(p.Control),
			"port_intra_data":        strconv.Itoa(p.Data),
		},
		"fspaths": map[string]any{},
		"test_fspaths": map[string]any{
			"root":     dataRoot + string(filepath.Separator),
			"count":    1,
			"instance": instance,
		},
	}
}

// writeJSON writes v as indented JSON to path.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		return fmt.Errorf("aisnode: encode %s: %w", path, err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("aisnode: %w", err)
	}
	return nil
}
