package api

// URL paths (AIStore-compatible).
const (
	PathObjects  = "/v1/objects/"     // + <bck>/<obj>
	PathBuckets  = "/v1/buckets/"     // + <bck>
	PathETL      = "/v1/etl"          // ETL management; + /<name>[/op]
	PathJobs     = "/v1/jobs"         // etlcore's own job view; + /<id>[/abort] (the client uses AIStore's job API)
	PathCluster  = "/v1/cluster"      // cluster map, join, status
	PathHealth   = "/v1/health"       // node health
	PathMetrics  = "/metrics"         // Prometheus text format
	PathETLObj   = "/v1/etl/_object/" // + <etl>/<secret>/<escaped uname>: transformer access to objects
	PathInternal = "/v1/_internal/"   // proxy <-> target control messages
)

// Query parameters.
const (
	QparamETLName     = "etl_name"
	QparamETLArgs     = "etl_args"
	QparamETLPipeline = "etl_pipeline"
	QparamETLFQN      = "etl_fqn"
	QparamObjectTo    = "object_to"
	QparamBckTo       = "bck_to"
	QparamProvider    = "provider"
	QparamUUID        = "uuid"
	QparamPrefix      = "prefix"
	// QparamBMDVersion (internal, proxy to target) is the version of the
	// bucket set a bucket create or destroy makes.
	QparamBMDVersion = "bmd_version"
	QparamPageSize   = "pagesize"
	QparamToken      = "continuation_token"
	QparamProps      = "props"
	QparamWhat       = "what"
)

// Headers.
const (
	HdrNodeURL         = "Ais-Node-Url"
	HdrDirectPutLength = "Ais-Direct-Put-Length"
	HdrETLRetryReason  = "Ais-Etl-Retry-Reason"
	HdrChecksumType    = "Ais-Checksum-Type"
	HdrChecksumValue   = "Ais-Checksum-Value"
	HdrObjSize         = "Ais-Obj-Size"
	HdrNodeID          = "Ais-Node-Id"
	HdrAuthorization   = "Authorization"

	// RetryDirectPutTransient is the value of HdrETLRetryReason with which a
	// transformer tells the target that a direct put failed transiently.
	RetryDirectPutTransient = "direct-put-transient"
	// ChecksumXXHash is the only checksum type etlcore keeps: xxhash64 with
	// seed 0, 16 hex digits, under AIStore's name for it.
	ChecksumXXHash = "xxhash2"
)

// Bucket and job actions (the "action" of an ActMsg).
const (
	ActCreateBck    = "create-bck"
	ActDestroyBck   = "destroy-bck"
	ActList         = "list"
	ActETLBck       = "etl-bck"
	ActETLListRange = "etl-listrange"
)

// Communication modes of an ETL.
const (
	CommHPUSH = "hpush://"
	CommHPULL = "hpull://"
	CommWS    = "ws://"
)

// ETL stages.
const (
	StageInitializing = "Initializing"
	StageRunning      = "Running"
	StageAborted      = "Aborted"
)

// Job states.
const (
	JobRunning  = "running"
	JobFinished = "finished"
	JobFailed   = "failed"
	JobAborted  = "aborted"
)

// Environment variables of the transformer contract.
const (
	EnvTargetURL = "AIS_TARGET_URL"
	EnvDirectPut = "DIRECT_PUT"
	EnvPort      = "PORT"
	EnvHost      = "HOST"
	// EnvEndpoint is the client-side variable naming a proxy URL.
	EnvEndpoint = "AIS_ENDPOINT"
)

// Provider is the only bucket provider etlcore has.
const Provider = "ais"
