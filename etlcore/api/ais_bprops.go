package api

// AisBprops is the part of AIStore's bucket properties (cmn.Bprops) that
// describes an etlcore bucket: provider ais, xxhash2 checksums kept on PUT
// and not validated on GET, no versioning, mirroring or erasure coding.
type AisBprops struct {
	Provider   string         `json:"provider"`
	BackendBck AisBck         `json:"backend_bck"`
	Checksum   AisCksumConf   `json:"checksum"`
	Versioning AisEnabledConf `json:"versioning"`
	Mirror     AisMirrorConf  `json:"mirror"`
	EC         AisEnabledConf `json:"ec"`
	LRU        AisEnabledConf `json:"lru"`
	WritePol   AisWritePolicy `json:"write_policy"`
	Access     string         `json:"access"`
	Features   string         `json:"features"`
	BID        string         `json:"bid"`
	Created    string         `json:"created"`
	Extra      map[string]any `json:"extra"`
	RateLimit  map[string]any `json:"rate_limit,omitempty"`
	Chunks     map[string]any `json:"chunks,omitempty"`
}

// AisCksumConf is a bucket's checksum configuration.
type AisCksumConf struct {
	Type            string `json:"type"`
	ValidateColdGet bool   `json:"validate_cold_get"`
	ValidateWarmGet bool   `json:"validate_warm_get"`
	ValidateObjMove bool   `json:"validate_obj_move"`
	EnableReadRange bool   `json:"enable_read_range"`
}

// AisEnabledConf is a feature that is on or off.
type AisEnabledConf struct {
	Enabled bool `json:"enabled"`
}

// AisMirrorConf is a bucket's mirroring configuration.
type AisMirrorConf struct {
	Copies  int  `json:"copies"`
	Enabled bool `json:"enabled"`
}

// AisWritePolicy is when data and metadata reach the disk.
type AisWritePolicy struct {
	Data string `json:"data"`
	MD   string `json:"md"`
}

// aisAccessAll is AIStore's access mask with every permission.
const aisAccessAll = "18446744073709551615"

// DefaultBprops returns the properties of every etlcore bucket.
func DefaultBprops() AisBprops {
	return AisBprops{
		Provider:   Provider,
		BackendBck: AisBck{},
		Checksum:   AisCksumConf{Type: ChecksumXXHash},
		Mirror:     AisMirrorConf{Copies: 1},
		WritePol:   AisWritePolicy{Data: "immediate", MD: "immediate"},
		Access:     aisAccessAll,
		Features:   "0",
		BID:        "0",
		Created:    "0",
		Extra:      map[string]any{},
	}
}
